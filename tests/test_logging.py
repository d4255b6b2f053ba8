"""One logging set-up (core/log.py): the level from HIAP_LOG_LEVEL, one handler however often it is called, and
the connector's downloads and cache decisions in the log an IT officer reads."""

from __future__ import annotations

import logging

import pytest

from hiap_geo.core import log, settings
from hiap_geo.core.errors import SettingsError


@pytest.fixture(autouse=True)
def fresh_logger() -> None:
    logger = logging.getLogger("hiap_geo")
    saved = (logger.level, list(logger.handlers))
    yield
    logger.setLevel(saved[0])
    logger.handlers[:] = saved[1]


def test_configure_twice_adds_one_handler_at_the_level_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIAP_LOG_LEVEL", "debug")
    log.configure()
    logger = log.configure()
    assert logger.level == logging.DEBUG
    assert sum(h.get_name() == log.HANDLER_NAME for h in logger.handlers) == 1


def test_the_default_level_is_info_and_a_wrong_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIAP_LOG_LEVEL", raising=False)
    assert settings.log_level() == "INFO"
    monkeypatch.setenv("HIAP_LOG_LEVEL", "loud" * 100)
    with pytest.raises(SettingsError, match="HIAP_LOG_LEVEL is 'LOUDLOUDLOUDLOUDLOUD'; use one of DEBUG"):
        settings.log_level()


def test_messages_reach_stderr_with_their_module(capsys: pytest.CaptureFixture[str]) -> None:
    log.configure("INFO")
    logging.getLogger("hiap_geo.acquire.http").info("Fingertips download: %s", "http://127.0.0.1/x")
    logging.getLogger("hiap_geo.acquire.http").debug("not shown at INFO")
    err = capsys.readouterr().err
    assert "INFO hiap_geo.acquire.http: Fingertips download: http://127.0.0.1/x" in err
    assert "not shown" not in err


def test_refused_sign_ins_and_writes_refused_by_role_are_logged(caplog: pytest.LogCaptureFixture,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from hiap_geo.core.access import AccessDenied, SignInRefused, User, parse_access, require

    monkeypatch.delenv("HIAP_ACCESS", raising=False)
    policy = parse_access('[roles]\nadmin = ["kim@council.gov.uk"]\nviewer = ["@nhs.net"]\n')
    with caplog.at_level("WARNING", logger="hiap_geo.core.access"):
        with pytest.raises(SignInRefused):
            policy.admit({"email": "kim@council.gov.uk", "email_verified": False})
        with pytest.raises(AccessDenied):
            require(User("sam@nhs.net", "Sam", "viewer"), "review")
    assert "Sign-in refused: 'Your sign-in provider says the e-mail address kim@council.gov.uk" in caplog.text
    assert "Refused by role: 'sam@nhs.net' (the role 'viewer') may not review" in caplog.text
