"""Who is using the app: with sign-in configured (``[auth]`` in .streamlit/secrets.toml, Streamlit's own
``st.login``), the signed-in user with the role the access file (``HIAP_ACCESS``) gives them; without it, the
single local user of a laptop install, who may do everything (``core.access.LOCAL_USER``).

``gate()`` runs in app.py before any page: nobody sees a page without a signed-in user whose e-mail the provider
verified and who has a role, and an access file that cannot be read stops the app rather than letting it start
open. Without sign-in the app serves only this machine (127.0.0.1) unless ``HIAP_OPEN_TO_NETWORK`` says otherwise,
and then every page says so.

Button callbacks run before the page script, so they ask ``current_user()`` again rather than use a user
captured when the page was drawn; the library checks the access file's role once more at the write itself.
"""

from __future__ import annotations

import streamlit as st

from hiap_geo.core import settings
from hiap_geo.core.access import (
    LOCAL_USER,
    AccessConfigError,
    AccessPolicy,
    SignInRefused,
    User,
    policy_from_file,
)
from hiap_geo.core.text import escape_markdown

USER_KEY = "hiap_user"


def sign_in_configured() -> bool:
    """True when .streamlit/secrets.toml (or another secrets file Streamlit reads) has an [auth] section."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _access_policy() -> AccessPolicy | None:
    """The access file's policy, re-read when the file changes; stops the app when it cannot be read."""
    path = settings.access_file()
    if path is None:
        return None
    try:
        return policy_from_file(path)
    except AccessConfigError as exc:
        st.error(f"HIAP Geo cannot start: {escape_markdown(exc)}")
        st.stop()
    return None  # pragma: no cover - st.stop() does not return


def gate() -> User:
    """The user of this session, checked; shows the sign-in page (and stops) when nobody is signed in."""
    policy = _access_policy()
    if not sign_in_configured():
        _local_only()
        st.session_state[USER_KEY] = LOCAL_USER
        return LOCAL_USER
    if policy is None:
        st.error("HIAP Geo cannot start: sign-in is configured ([auth] in .streamlit/secrets.toml) but no access "
                 "file names who may do what. Set HIAP_ACCESS to a roles file (see README, 'Run it for a team').")
        st.stop()
    if not st.user.is_logged_in:
        st.session_state.pop(USER_KEY, None)
        st.title("HIAP Geo")
        st.markdown("Deprivation maps, indicators and action-plan progress for your Health Action Team. "
                    "Sign in with your organisation's account to continue.")
        st.button("Sign in", on_click=st.login, type="primary", key="sign_in")
        st.stop()
    try:
        user = policy.admit(st.user.to_dict())
    except SignInRefused as exc:
        st.session_state.pop(USER_KEY, None)
        st.title("HIAP Geo")
        st.error(f"You are signed in, but HIAP Geo cannot admit this account: {escape_markdown(exc)}")
        st.button("Sign out", on_click=st.logout, type="primary", key="sign_out_refused")
        st.stop()
    # Imported here: the plan views load the plans, indicators (scipy) and progress store (SQLAlchemy), about
    # 1 s that a fresh server's first visitor would otherwise wait for on every page, signed in or not.
    from hiap_geo.views.plan_reviews import signed_in_caption

    st.sidebar.caption(signed_in_caption(user))
    st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
    if not user.role:
        refused = st.session_state.get("plan_progress_message")
        if isinstance(refused, tuple) and refused[0] == "error":  # a write refused by the library just now
            st.error(refused[1])
        st.error(f"{escape_markdown(user.email or 'This account')} is signed in but has no role in HIAP Geo, so "
                 "nothing can be recorded in its name. Ask an admin to add you to the access file.")
        st.stop()
    st.session_state[USER_KEY] = user
    return user


def current_user() -> User:
    """The user acting now: in a page, the one ``gate()`` admitted in this run; in a button callback (which runs
    before the gate), the sign-in and the access file read again, so a user who signed out, or was removed or
    demoted since the page was drawn, acts with no role or their new one (the library refuses with a reason)."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, User):
        st.error("No signed-in user: open HIAP Geo from its start page.")
        st.stop()
    if not user.signed_in:
        return user
    try:
        policy = _access_policy_or_none()
        if policy is None or not st.user.is_logged_in:
            return User(user.email, user.name, "")
        return policy.admit(st.user.to_dict())
    except (SignInRefused, AccessConfigError):
        return User(user.email, user.name, "")


def _access_policy_or_none() -> AccessPolicy | None:
    path = settings.access_file()
    return None if path is None else policy_from_file(path)


def _local_only() -> None:
    """Without sign-in everyone who can open the app acts as the one local user, an admin: so it serves this
    machine only, unless ``HIAP_OPEN_TO_NETWORK`` opts in (then every page says the app is open)."""
    address = str(st.get_option("server.address") or "")
    if settings.open_to_network():
        st.warning("**Open to the network without sign-in**: anyone who can reach this address can record reviews, "
                   "register plans and import histories in one shared name. Configure sign-in for a team "
                   "(README, 'Run it for a team').", icon="⚠️")
        return
    if not settings.is_loopback(address):
        st.error(f"HIAP Geo will not serve the network without sign-in: this server listens on "
                 f"'{escape_markdown(address or 'every address')}', and without sign-in everyone who opens it is "
                 "an admin. Either configure sign-in ([auth] in .streamlit/secrets.toml and an access file named "
                 "by HIAP_ACCESS; README, 'Run it for a team'), or listen on 127.0.0.1 only (make run does), or, "
                 "knowingly, set HIAP_OPEN_TO_NETWORK=1: every page then says the app is open to the network.")
        st.stop()
