"""Who may do what: roles for a team's HIAP Geo, read from one small TOML file (``HIAP_ACCESS``).

A Health Action Team shares one app: everyone may look, some record reviews, few change plans. The roles
are cumulative: a *viewer* sees maps, indicators, profiles, plans and their history; an *editor* also records
reviews; an *admin* also registers or uploads plans and imports or exports progress bundles. The library
checks the role (``require``) on every call that changes data, so hiding a button is never the only guard.

The file maps each role to e-mail addresses or whole domains (``@council.gov.uk``)::

    [roles]
    admin = ["analyst@council.gov.uk"]
    editor = ["chair@nhs.net", "@council.gov.uk"]
    viewer = ["@nhs.net"]

An exact address outranks a domain; among several matches the highest role wins. Someone on no list has
no role and is refused everything. Without sign-in (the single-user laptop) the one local user is an admin.

Identity: a role is given only to an e-mail address the sign-in provider says it verified (``email_verified``
true). Providers that never send that claim (Microsoft Entra ID) are accepted only when the admin opts in, in
the same file, for their tenant (the ``tid`` claim) or for listed accounts (``oid`` or ``sub``)::

    [sign_in]
    trusted_tenants = ["00000000-0000-0000-0000-000000000000"]
    trusted_subjects = ["an-oid-or-sub"]

Addresses are compared in one canonical form (``canonical_email``), in the file and at sign-in alike; an
address that cannot be put in that form without guessing (two '@', an empty local part, a KELVIN SIGN that
would pass for a 'K') is refused, never matched loosely. The role is read again from the file at the moment
of every write (``require``), so a person removed or demoted is refused at once, not one action later.
"""

from __future__ import annotations

import threading
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import idna

from hiap_geo.core import settings
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.files import read_regular, regular_file_size
from hiap_geo.core.limits import MAX_ACCESS_BYTES, MAX_EMAIL_CHARS

ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
"""Roles from least to most trusted; each may do what the ones before it may."""

ACTIONS: dict[str, str] = {
    "view": "viewer",
    "review": "editor",
    "draft_plan": "editor",
    "register_plan": "admin",
    "import": "admin",
    "export": "admin",
}
"""The least role each action needs."""

ACTION_WORDS: dict[str, str] = {
    "view": "see plans and their history",
    "review": "record reviews",
    "draft_plan": "write plan drafts in the plan editor",
    "register_plan": "register or upload a plan version",
    "import": "import progress bundles",
    "export": "export progress bundles",
}


class AccessError(HiapGeoError):
    """Base of the access errors."""


class AccessConfigError(AccessError):
    """The access file cannot be read; the app refuses to start rather than start open."""


class AccessDenied(AccessError):
    """The acting user's role may not do this."""


class InvalidEmail(AccessError):
    """An e-mail address that cannot be put in the one canonical form addresses are compared in."""


class SignInRefused(AccessError):
    """A signed-in account is not admitted: its e-mail is unverified or cannot be read. The message says why."""


def canonical_email(text: str) -> str:
    """``text`` as the one form addresses are compared in: the local part lower-cased, the domain in its
    IDNA (ASCII, 'xn--') form, lower-cased. InvalidEmail when that cannot be done without guessing.

    Refused: not exactly one '@'; an empty local part or domain; spaces or control characters; characters
    that Unicode compatibility normalisation (NFKC) would turn into others, such as the KELVIN SIGN that
    lower-cases to 'k' or full-width letters (an account named with them is another account, and must not
    get the role of the address it imitates); a domain IDNA rejects.
    """
    if not isinstance(text, str):
        raise InvalidEmail("an e-mail address must be text")
    value = text.strip()
    shown = value[:80]
    if not value:
        raise InvalidEmail("the e-mail address is empty")
    if len(value) > MAX_EMAIL_CHARS:
        raise InvalidEmail(f"'{shown}...' is longer than {MAX_EMAIL_CHARS} characters")
    if value.count("@") != 1:
        raise InvalidEmail(f"'{shown}' has {value.count('@')} '@' signs; an address has exactly one")
    local, domain = value.split("@")
    if not local:
        raise InvalidEmail(f"'{shown}' has nothing before the '@'")
    if not domain:
        raise InvalidEmail(f"'{shown}' has nothing after the '@'")
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in value):
        raise InvalidEmail(f"'{shown.encode('unicode_escape').decode()}' contains spaces or control characters")
    lowered = local.lower()
    for part in (value, lowered):
        if unicodedata.normalize("NFKC", part) != part:
            odd = next((c for c in part if unicodedata.normalize("NFKC", c) != c), "")
            name = unicodedata.name(odd, f"U+{ord(odd):04X}") if odd else "a combination of characters"
            raise InvalidEmail(f"'{shown.encode('unicode_escape').decode()}' contains {name}, which stands "
                               "for other characters; write the address with the characters it stands for")
    return f"{lowered}@{canonical_domain(domain, shown)}"


def canonical_domain(domain: str, shown: str | None = None) -> str:
    """A domain in IDNA (ASCII) form, lower-cased, without a final dot; InvalidEmail when IDNA refuses it."""
    shown = shown or domain[:80]
    if unicodedata.normalize("NFKC", domain) != domain:
        raise InvalidEmail(f"the domain of '{shown.encode('unicode_escape').decode()}' contains characters "
                           "that stand for others")
    try:
        ascii_domain = idna.encode(domain.rstrip("."), uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidEmail(f"the domain of '{shown.encode('unicode_escape').decode()}' is not a valid domain "
                           f"name ({exc})") from None
    if not ascii_domain:
        raise InvalidEmail(f"'{shown}' has no domain")
    return ascii_domain.lower()


@dataclass(frozen=True)
class User:
    """The person acting: e-mail and name from the sign-in (empty for the local user), and their role."""

    email: str
    name: str
    role: str

    @property
    def signed_in(self) -> bool:
        """True for a user from a sign-in; False for the single local user of a laptop install."""
        return bool(self.email)

    @property
    def label(self) -> str:
        """How the user is named in history: 'Name <email>', the e-mail alone, or the local user's name."""
        if self.email and self.name and self.name != self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name

    def may(self, action: str) -> bool:
        """Whether this user's role allows ``action`` (a key of ACTIONS)."""
        return _rank(self.role) >= _rank(ACTIONS[action])


LOCAL_USER = User(email="", name="local user", role="admin")
"""The one user of an install without sign-in: may do everything, as before teams."""


def _rank(role: str | None) -> int:
    return ROLES.index(role) if role in ROLES else -1


def require(user: User, action: str) -> User:
    """Raise AccessDenied unless ``user`` may do ``action``; the message names the role needed.

    For a signed-in user with an access file configured (``HIAP_ACCESS``), the role is the one the file
    gives at this moment, not ``user.role`` (captured when a page was drawn, perhaps minutes ago): a person
    removed from the file or demoted is refused at once. Returns the user with the role that was checked.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    user = user_now(user)
    if not user.may(action):
        who = user.email or user.name or "this user"
        has = f"the role '{user.role}'" if user.role in ROLES else "no role"
        raise AccessDenied(
            f"{who} has {has} and may not {ACTION_WORDS[action]}: that needs the role "
            f"'{ACTIONS[action]}' (ask an admin to add you to the access file named by HIAP_ACCESS)."
        )
    return user


def user_now(user: User) -> User:
    """``user`` with the role the access file gives them now (no role when the file no longer names them, or
    cannot be read); the local user, or any user when no access file is configured, as given."""
    if not user.signed_in:
        return user
    path = settings.access_file()
    if path is None:
        return user
    try:
        policy = policy_from_file(path)
    except AccessConfigError:
        return replace(user, role="")
    return replace(user, role=policy.role_of(user.email) or "")


_POLICIES: dict[str, tuple[tuple[int, int], AccessPolicy]] = {}
_POLICIES_LOCK = threading.Lock()


def policy_from_file(path: str | Path) -> AccessPolicy:
    """``load_access``, read again whenever the file changed (its size or modification time): a stat per call."""
    path = Path(path)
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        return load_access(path)  # names the problem
    with _POLICIES_LOCK:
        cached = _POLICIES.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    policy = load_access(path)
    with _POLICIES_LOCK:
        _POLICIES[str(path)] = (stamp, policy)
    return policy


@dataclass(frozen=True)
class AccessPolicy:
    """Roles by exact e-mail address and by domain (both canonical), and who may sign in without the provider
    saying their e-mail is verified (``[sign_in]``: tenant ids, subject ids), as read from the access file."""

    addresses: dict[str, str]
    domains: dict[str, str]
    source: str = "<access>"
    trusted_tenants: frozenset[str] = frozenset()
    trusted_subjects: frozenset[str] = frozenset()

    def role_of(self, email: str | None) -> str | None:
        """The role of an e-mail address, or None when no list names it or its domain, or it is not a valid
        address (compared in canonical form: case, IDNA; see ``canonical_email``)."""
        try:
            address = canonical_email(email or "")
        except InvalidEmail:
            return None
        if address in self.addresses:
            return self.addresses[address]
        return self.domains.get("@" + address.rsplit("@", 1)[1])

    def user(self, email: str, name: str = "") -> User:
        """The user with their role (role '' when they have none: every action is refused). The e-mail is
        kept in canonical form when it has one."""
        try:
            email = canonical_email(email)
        except InvalidEmail:
            email = (email or "").strip()
        return User(email=email, name=(name or "").strip(), role=self.role_of(email) or "")

    def admit(self, claims: Mapping[str, Any]) -> User:
        """The user a sign-in's claims name, with their role; SignInRefused (with the reason, for the screen)
        unless the e-mail is a valid address the provider verified (``email_verified`` true) or, when the
        provider sends no ``email_verified`` at all, the admin trusts the account's tenant or subject."""
        raw = claims.get("email")
        if not isinstance(raw, str) or not raw.strip():
            raise SignInRefused("Your sign-in did not include an e-mail address, so HIAP Geo cannot tell who you "
                                "are. Ask your IT team to release the 'email' claim to HIAP Geo.")
        try:
            email = canonical_email(raw)
        except InvalidEmail as exc:
            raise SignInRefused(f"The e-mail address of your sign-in cannot be used: {exc}. Ask your IT team to "
                                "correct the address on your account.") from None
        verified = claims.get("email_verified")
        if isinstance(verified, str):
            verified = {"true": True, "false": False}.get(verified.strip().lower(), verified)
        if verified is not True:
            if verified is None and "email_verified" not in claims and self.vouches_for(claims):
                pass  # the admin opted in for this provider's accounts (e.g. Entra ID, which never sends it)
            elif verified is None and "email_verified" not in claims:
                raise SignInRefused(
                    f"Your sign-in provider did not say that {email} is verified, so HIAP Geo cannot be sure the "
                    "address is yours and gives it no role. An admin can accept this provider's accounts in the "
                    "access file ([sign_in] trusted_tenants or trusted_subjects; see README, 'Run it for a team').")
            else:
                raise SignInRefused(
                    f"Your sign-in provider says the e-mail address {email} is not verified, so HIAP Geo cannot be "
                    "sure it is yours and gives it no role. Verify the address with your provider (or ask your "
                    "IT team to), then sign in again.")
        name = claims.get("name")
        return User(email=email, name=name.strip() if isinstance(name, str) else "", role=self.role_of(email) or "")

    def vouches_for(self, claims: Mapping[str, Any]) -> bool:
        """True when the admin trusts this account's e-mail without ``email_verified``: its tenant (``tid``)
        or its subject (``oid`` or ``sub``) is listed in ``[sign_in]``."""
        tenant = claims.get("tid")
        if isinstance(tenant, str) and tenant.strip().lower() in self.trusted_tenants:
            return True
        return any(isinstance(claims.get(k), str) and claims[k].strip() in self.trusted_subjects
                   for k in ("oid", "sub"))


def parse_access(text: str, source: str = "<access>") -> AccessPolicy:
    """An access policy from TOML text; AccessConfigError names the line of a syntax error or the bad entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AccessConfigError(f"The access file {source} is not valid TOML ({exc}); fix it: the app does not "
                                "start until it can be read, so nobody gets in unchecked.") from None
    roles = data.get("roles")
    problems: list[str] = []
    if not isinstance(roles, dict):
        problems.append('no [roles] table (e.g. [roles] then admin = ["you@council.gov.uk"])')
        roles = {}
    unknown = set(data) - {"roles", "sign_in"}
    if unknown:
        problems.append(f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    addresses: dict[str, str] = {}
    domains: dict[str, str] = {}
    for role, entries in roles.items():
        if role not in ROLES:
            problems.append(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
            continue
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            problems.append(f"roles.{role} must be a list of e-mail addresses or @domains")
            continue
        for entry in entries:
            try:
                key, target = _entry(entry), addresses
            except InvalidEmail as exc:
                problems.append(f"roles.{role}: '{entry[:80]}' is neither an e-mail address nor an @domain ({exc})")
                continue
            if key.startswith("@"):
                target = domains
            if _rank(role) > _rank(target.get(key)):
                target[key] = role
    tenants, subjects = _sign_in_options(data.get("sign_in", {}), problems)
    if problems:
        raise AccessConfigError(f"The access file {source} cannot be used: " + "; ".join(problems) + ".")
    return AccessPolicy(addresses, domains, source, tenants, subjects)


def _entry(entry: str) -> str:
    """An access-file entry in canonical form: '@domain' or an address; InvalidEmail otherwise."""
    value = entry.strip()
    if value.startswith("@") and value.count("@") == 1:
        return "@" + canonical_domain(value[1:], value)
    return canonical_email(value)


def _sign_in_options(table: Any, problems: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    """``[sign_in]``: the tenants and subjects whose e-mail is trusted without ``email_verified``."""
    if not isinstance(table, dict):
        problems.append("sign_in must be a table ([sign_in])")
        return frozenset(), frozenset()
    unknown = set(table) - {"trusted_tenants", "trusted_subjects"}
    if unknown:
        problems.append(f"unknown key(s) in [sign_in]: {', '.join(sorted(unknown))} "
                        "(known: trusted_tenants, trusted_subjects)")
    found: list[frozenset[str]] = []
    for key in ("trusted_tenants", "trusted_subjects"):
        values = table.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(f"sign_in.{key} must be a list of ids (non-empty text)")
            values = []
        found.append(frozenset(v.strip().lower() if key == "trusted_tenants" else v.strip() for v in values))
    return found[0], found[1]


def load_access(path: str | Path) -> AccessPolicy:
    """Read the access file; AccessConfigError (never an open app) when it is missing, too large or invalid."""
    path = Path(path)
    try:
        if regular_file_size(path) > MAX_ACCESS_BYTES:
            raise AccessConfigError(f"The access file {path} is larger than {MAX_ACCESS_BYTES:,} bytes.")
        text = read_regular(path, MAX_ACCESS_BYTES).decode("utf-8")
    except OSError as exc:
        raise AccessConfigError(f"Cannot read the access file {path} (HIAP_ACCESS): {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise AccessConfigError(f"The access file {path} is not UTF-8 text.") from None
    return parse_access(text, str(path))
