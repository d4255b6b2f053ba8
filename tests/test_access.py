"""Roles from the access file (``HIAP_ACCESS``): who may do what, and a broken file stops the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiap_geo.core import settings
from hiap_geo.core.access import (
    LOCAL_USER,
    AccessConfigError,
    AccessDenied,
    InvalidEmail,
    SignInRefused,
    User,
    canonical_email,
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


# -- identity (issue 29): verified e-mail only, one canonical form of an address ---------------------------------

KIM = "kim@council.gov.uk"
TEAM = f"""
[roles]
admin = ["{KIM}"]
editor = ["@council.gov.uk", "@Bücher.example"]
"""


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("Kim@Council.GOV.uk", KIM),
        ("  kim@council.gov.uk ", KIM),
        ("ana@Bücher.example", "ana@xn--bcher-kva.example"),
        ("ana@xn--bcher-kva.example.", "ana@xn--bcher-kva.example"),
        ("kim@council\u3002gov.uk", KIM),  # IDNA's ideographic full stop is a dot: the same domain
    ],
)
def test_an_address_has_one_canonical_form(address: str, canonical: str) -> None:
    assert canonical_email(address) == canonical


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("x@evil.example@council.gov.uk", "2 '@' signs"),
        ("@council.gov.uk", "nothing before the '@'"),
        ("kim@", "nothing after the '@'"),
        ("kim", "0 '@' signs"),
        ("\u212aim@council.gov.uk", "KELVIN SIGN"),  # lower-cases to 'kim': another account, not Kim
        ("ｋim@council.gov.uk", "FULLWIDTH"),
        ("ki m@council.gov.uk", "spaces or control"),
        ("kim\u200b@council.gov.uk", "spaces or control"),
        ("kim@-council.gov.uk", "not a valid domain"),
        ("", "empty"),
    ],
)
def test_an_address_that_cannot_be_put_in_canonical_form_is_refused(address: str, reason: str) -> None:
    with pytest.raises(InvalidEmail, match=reason):
        canonical_email(address)


def test_loose_addresses_get_no_role_at_sign_in_or_in_the_file() -> None:
    policy = parse_access(TEAM)
    assert policy.role_of("x@evil.example@council.gov.uk") is None  # was 'editor' (the last '@' decided)
    assert policy.role_of("@council.gov.uk") is None  # was 'editor' (empty local part)
    assert policy.role_of("\u212aim@council.gov.uk") is None  # was 'admin': Kim's role (and Kim's drafts)
    assert policy.role_of("KIM@council.gov.uk") == "admin"
    assert policy.role_of("ana@bücher.example") == "editor" and policy.role_of("ana@xn--bcher-kva.example") == "editor"
    with pytest.raises(SignInRefused, match="KELVIN SIGN"):
        policy.admit({"email": "\u212aim@council.gov.uk", "email_verified": True})
    for entry in ("x@evil.example@council.gov.uk", "\u212aim@council.gov.uk", "@", "@@council.gov.uk"):
        with pytest.raises(AccessConfigError, match="neither an e-mail address nor an @domain"):
            parse_access(f'[roles]\nadmin = ["{entry}"]')


def test_only_a_verified_email_is_admitted() -> None:
    policy = parse_access(TEAM)
    admin = policy.admit({"email": "Kim@Council.gov.uk", "email_verified": True, "name": "Kim"})
    assert admin == User(KIM, "Kim", "admin")
    assert policy.admit({"email": KIM, "email_verified": "true"}).role == "admin"  # some providers send text
    with pytest.raises(SignInRefused, match="says the e-mail address kim@council.gov.uk is not verified"):
        policy.admit({"email": KIM, "email_verified": False, "name": "Mallory"})
    with pytest.raises(SignInRefused, match="did not say that kim@council.gov.uk is verified.*trusted_tenants"):
        policy.admit({"email": KIM, "name": "Mallory"})  # the claim absent: refused, never silently admitted
    with pytest.raises(SignInRefused, match="did not include an e-mail address"):
        policy.admit({"sub": "abc", "email_verified": True})


def test_an_admin_may_trust_a_tenant_or_listed_accounts_that_send_no_email_verified() -> None:
    tenant = "72F988BF-86F1-41AF-91AB-2D7CD011DB47"
    policy = parse_access(TEAM + f'\n[sign_in]\ntrusted_tenants = ["{tenant}"]\ntrusted_subjects = ["oid-1"]\n')
    entra = {"email": KIM, "tid": tenant.lower(), "oid": "x", "sub": "y"}
    assert policy.admit(entra).role == "admin"
    with pytest.raises(SignInRefused, match="did not say"):
        policy.admit({**entra, "tid": "another-tenant"})
    assert policy.admit({"email": KIM, "tid": "another-tenant", "oid": "oid-1"}).role == "admin"
    with pytest.raises(SignInRefused, match="not verified"):  # an explicit 'false' is never overridden
        policy.admit({**entra, "email_verified": False})
    with pytest.raises(AccessConfigError, match="unknown key.*trusted_tenant"):
        parse_access(TEAM + '\n[sign_in]\ntrusted_tenant = ["x"]\n')
    with pytest.raises(AccessConfigError, match="sign_in.trusted_subjects must be a list"):
        parse_access(TEAM + '\n[sign_in]\ntrusted_subjects = "x"\n')


# -- roles read again at the moment of every write ---------------------------------------------------------------

def test_require_reads_the_access_file_at_the_moment_of_the_check(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    access = tmp_path / "access.toml"
    access.write_text(TEAM, encoding="utf-8")
    monkeypatch.setenv("HIAP_ACCESS", str(access))
    drawn = load_access(access).admit({"email": KIM, "email_verified": True})  # the page was drawn: admin
    assert require(drawn, "register_plan").role == "admin"
    access.write_text('[roles]\neditor = ["kim@council.gov.uk"]\n', encoding="utf-8")  # demoted meanwhile
    with pytest.raises(AccessDenied, match="has the role 'editor' and may not register"):
        require(drawn, "register_plan")
    access.write_text('[roles]\nadmin = ["someone@else.org"]\n', encoding="utf-8")  # removed
    with pytest.raises(AccessDenied, match="has no role"):
        require(drawn, "review")
    access.write_text("[roles\n", encoding="utf-8")  # a broken file refuses, never falls back to the old role
    with pytest.raises(AccessDenied, match="has no role"):
        require(drawn, "view")
    assert require(LOCAL_USER, "import") == LOCAL_USER  # the laptop's local user: no sign-in, no file to read
