"""Who is using the app: with sign-in configured (``[auth]`` in .streamlit/secrets.toml, Streamlit's own
``st.login``), the signed-in user with the role the access file (``HIAP_ACCESS``) gives them; without it, the
single local user of a laptop install, who may do everything (``core.access.LOCAL_USER``).

``gate()`` runs in app.py before any page: nobody sees a page without a signed-in user and a role, and an
access file that cannot be read stops the app rather than letting it start open.
"""

from __future__ import annotations

import streamlit as st

from hiap_geo.core import settings
from hiap_geo.core.access import LOCAL_USER, AccessConfigError, AccessPolicy, User, load_access
from hiap_geo.core.text import escape_markdown

USER_KEY = "hiap_user"


def sign_in_configured() -> bool:
    """True when .streamlit/secrets.toml (or another secrets file Streamlit reads) has an [auth] section."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


@st.cache_resource(show_spinner=False, max_entries=4)
def _policy(path: str, stamp: int) -> AccessPolicy:
    return load_access(path)


def _access_policy() -> AccessPolicy | None:
    """The access file's policy, re-read when the file changes; stops the app when it cannot be read."""
    path = settings.access_file()
    if path is None:
        return None
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0  # load_access names the problem
    try:
        return _policy(str(path), stamp)
    except AccessConfigError as exc:
        st.error(f"HIAP Geo cannot start: {escape_markdown(exc)}")
        st.stop()
    return None  # pragma: no cover - st.stop() does not return


def gate() -> User:
    """The user of this session, checked; shows the sign-in page (and stops) when nobody is signed in."""
    policy = _access_policy()
    if not sign_in_configured():
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
    user = policy.user(str(st.user.get("email") or ""), str(st.user.get("name") or ""))
    # Imported here: the plan views load the plans, indicators (scipy) and progress store (SQLAlchemy), about
    # 1 s that a fresh server's first visitor would otherwise wait for on every page, signed in or not.
    from hiap_geo.views.plan_reviews import signed_in_caption

    st.sidebar.caption(signed_in_caption(user))
    st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
    if not user.role:
        st.error(f"{escape_markdown(user.email or 'This account')} is signed in but has no role in HIAP Geo. "
                 "Ask an admin to add you to the access file.")
        st.stop()
    st.session_state[USER_KEY] = user
    return user


def current_user() -> User:
    """The user ``gate()`` admitted in this run (pages run only after it)."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, User):
        st.error("No signed-in user: open HIAP Geo from its start page.")
        st.stop()
    return user
