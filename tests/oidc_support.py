"""A local OpenID Connect provider for the sign-in tests (the ``oidc-provider-mock`` package), on 127.0.0.1.

Streamlit's ``st.login`` talks to it exactly as to Microsoft Entra ID or Google: discovery document, the
authorisation form (the browser types the e-mail there), token exchange, end of session. Users and their
claims are set with a PUT to /users/<e-mail>. No request leaves this machine.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import werkzeug.serving


@dataclass(frozen=True)
class OidcProvider:
    url: str

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def set_user(self, email: str, name: str) -> None:
        """Create or update a user the provider signs in, with a verified e-mail (the e-mail is also the subject)."""
        self.set_claims(email, {"email": email, "name": name, "email_verified": True})

    def set_claims(self, sub: str, claims: dict[str, object]) -> None:
        """Create or update the user ``sub`` with exactly these claims (e.g. ``email_verified`` false or absent,
        an Entra-style ``tid``)."""
        body = json.dumps(claims).encode()
        request = urllib.request.Request(f"{self.url}/users/{sub}", data=body, method="PUT",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - 127.0.0.1 only
            assert answer.status == 204, answer.status

    def secrets(self, folder: Path) -> Path:
        """A secrets.toml switching sign-in on for an app server against this provider ({port}: the app's)."""
        path = folder / "secrets.toml"
        path.write_text(
            "[auth]\n"
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a-test-cookie-secret-of-enough-length"\n'
            'client_id = "hiap-geo-test"\n'
            'client_secret = "hiap-geo-test-secret"\n'
            f'server_metadata_url = "{self.metadata_url}"\n',
            encoding="utf-8",
        )
        return path


@contextmanager
def oidc_provider_server() -> Iterator[OidcProvider]:
    """The provider on 127.0.0.1 and a free port, in a thread; stopped on exit."""
    import oidc_provider_mock

    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield OidcProvider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


PROVIDER_STYLESHEET = "https://cdn.jsdelivr.net/npm/@picocss/pico@2/css/pico.min.css"
"""The mock provider's own pages ask a CDN for this stylesheet; block_internet aborts it (it never leaves), and it is
the only outside request allowed in the list of aborted ones: the app itself asks for nothing outside."""


def through_provider_form(browser: object, url: str, sub: str, path: str) -> tuple[object, list[str]]:
    """A new browser (no cookies, 1500x1800) opens ``path`` of the app at ``url``, clicks Sign in and authorises as
    ``sub`` in the provider's form; returns the page (wherever the app then sends it) and its aborted requests."""
    from tests.browser_support import block_internet

    page = browser.new_context(viewport={"width": 1500, "height": 1800}).new_page()
    outside = block_internet(page)
    page.goto(f"{url}{path}")
    page.get_by_role("button", name="Sign in").click(timeout=60_000)
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    return page, outside
