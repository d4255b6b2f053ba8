"""Roles from the access file (``HIAP_ACCESS``): who may do what, and a broken file stops the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiap_geo.core import settings
from hiap_geo.core.access import (
    LOCAL_USER,
    AccessConfigError,
    AccessDenied,
    User,
    load_access,
    parse_access,
    require,
)
from hiap_geo.views.plan_reviews import signed_in_caption

ACCESS = """
[roles]
admin = ["Analyst@Council.gov.uk"]
editor = ["@council.gov.uk", "chair@nhs.net"]
viewer = ["@nhs.net", "analyst@council.gov.uk"]
"""


def test_roles_by_address_and_domain() -> None:
    policy = parse_access(ACCESS)
    assert policy.role_of("analyst@council.gov.uk") == "admin"  # case-insensitive; the highest role wins
    assert policy.role_of("someone@council.gov.uk") == "editor"  # by domain
    assert policy.role_of("chair@nhs.net") == "editor"  # an address outranks its domain
    assert policy.role_of("nurse@nhs.net") == "viewer"
    assert policy.role_of("someone@council.gov.uk.evil.org") is None  # a domain is matched whole
    assert policy.role_of("x@evil.org") is None and policy.role_of("") is None and policy.role_of(None) is None
    assert policy.user("nurse@nhs.net", "Nurse").role == "viewer"
    assert policy.user("x@evil.org").role == ""


def test_what_each_role_may_do() -> None:
    viewer, editor, admin = (User("a@b.org", "A", role) for role in ("viewer", "editor", "admin"))
    assert [viewer.may(a) for a in ("view", "review", "register_plan", "import", "export")] == [
        True, False, False, False, False]
    assert [editor.may(a) for a in ("view", "review", "register_plan")] == [True, True, False]
    assert all(admin.may(a) for a in ("view", "review", "register_plan", "import", "export"))
    assert LOCAL_USER.role == "admin" and not LOCAL_USER.signed_in  # sign-in off: one local user, as before
    with pytest.raises(AccessDenied, match="a@b.org has the role 'viewer' and may not record reviews.*'editor'"):
        require(viewer, "review")
    with pytest.raises(AccessDenied, match="has no role"):
        require(User("a@b.org", "A", ""), "view")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[roles]\nadmin = ["a@b.org"\n', "not valid TOML"),
        ("[roles\nadmin = 1", "not valid TOML"),
        ('[roles]\nsuperuser = ["a@b.org"]', "unknown role 'superuser'"),
        ('[roles]\nadmin = "a@b.org"', "must be a list"),
        ('[roles]\nadmin = ["not an address"]', "neither an e-mail address nor an @domain"),
        ('admin = ["a@b.org"]', "no \\[roles\\] table"),
    ],
)
def test_a_broken_access_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AccessConfigError, match=message):
        load_access(path)


def test_a_missing_access_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AccessConfigError, match="Cannot read the access file"):
        load_access(tmp_path / "missing.toml")


def test_the_access_file_is_named_by_hiap_access(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HIAP_ACCESS", raising=False)
    assert settings.access_file() is None
    monkeypatch.setenv("HIAP_ACCESS", str(tmp_path / "a.toml"))
    assert settings.access_file() == tmp_path / "a.toml"


def test_a_name_or_email_with_markup_is_shown_as_text() -> None:
    user = User("x@b.org", "![x](http://198.51.100.1/leak.png) <b>Bold</b> *star*", "editor")
    caption = signed_in_caption(user)
    assert "](" not in caption.replace("\\]", "") and "<b>" not in caption and "\\*star\\*" in caption
