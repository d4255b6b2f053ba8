"""Safe by default (issue 29): without sign-in, everyone who opens HIAP Geo is its one local user, an admin, so
`make run` and the server config serve this machine only, and the app refuses to serve another address
unless sign-in is configured or HIAP_OPEN_TO_NETWORK=1 opts in (then every page says it is open).

The servers these tests start listen on 127.0.0.1; the test shows they do not answer on the machine's other
addresses (no request leaves the machine).
"""

from __future__ import annotations

import shlex
import socket
import subprocess
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from tests.browser_support import app_server


def other_addresses() -> list[str]:
    """This machine's addresses other than loopback (IPv4 and IPv6)."""
    found = []
    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family in (socket.AF_INET, socket.AF_INET6) and not settings.is_loopback(a.address.split("%")[0]):
                found.append(a.address.split("%")[0])
    return found


def make_run_command() -> list[str]:
    """The line `make run` starts the server with (make -n: printed, not run)."""
    lines = subprocess.run(["make", "-n", "run"], cwd=settings.PROJECT_ROOT, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    line = next(x for x in lines if "streamlit run" in x)
    return shlex.split(line)


def answers(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=2).close()
        return True
    except OSError:
        return False


def test_make_run_and_the_server_config_answer_on_127_0_0_1_only() -> None:
    command = make_run_command()
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    others = other_addresses()
    assert others, "this machine has no address but loopback: nothing to check against"
    made = [a for a in command[command.index("app.py") + 1:] if a not in ("--server.port", "8501")]
    for args in (made, ["--server.headless", "true"]):  # as make run does; the config file alone
        with app_server(None, {"HIAP_OPEN_TO_NETWORK": ""}, server_args=args) as url:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as reply:  # noqa: S310
                assert reply.read() == b"ok"
            port = int(url.rsplit(":", 1)[1])
            assert [a for a in others if answers(a, port)] == []


@pytest.fixture
def server_address() -> Iterator[None]:
    before = st_config.get_option("server.address")
    yield
    st_config.set_option("server.address", before)


def test_without_sign_in_another_address_is_refused_naming_the_two_ways_out(
        server_address: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIAP_OPEN_TO_NETWORK", raising=False)
    st_config.set_option("server.address", "0.0.0.0")  # noqa: S104 - the setting refused, not a socket
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=60).run()
    message = " ".join(e.value for e in at.error)
    assert "will not serve the network without sign-in" in message
    assert "configure sign-in" in message and "HIAP_OPEN_TO_NETWORK=1" in message
    assert not at.title  # no page drawn


@pytest.mark.integration
def test_opted_in_every_page_says_it_is_open_to_the_network(kent: str, server_address: None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIAP_OPEN_TO_NETWORK", "1")
    st_config.set_option("server.address", "0.0.0.0")  # noqa: S104 - the setting shown, not a socket
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=120).run()
    assert not at.error
    assert any("Open to the network without sign-in" in w.value for w in at.warning)


@pytest.mark.parametrize(("address", "loopback"), [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                                   ("127.0.0.2", True), ("", False), ("0.0.0.0", False),
                                                   ("192.0.2.2", False), ("::", False)])
def test_what_counts_as_this_machine_only(address: str, loopback: bool) -> None:
    assert settings.is_loopback(address) is loopback
