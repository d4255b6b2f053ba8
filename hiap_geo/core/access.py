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
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.files import read_regular, regular_file_size
from hiap_geo.core.limits import MAX_ACCESS_BYTES

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


def require(user: User, action: str) -> None:
    """Raise AccessDenied unless ``user`` may do ``action``; the message names the role needed."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if not user.may(action):
        who = user.email or user.name or "this user"
        has = f"the role '{user.role}'" if user.role in ROLES else "no role"
        raise AccessDenied(
            f"{who} has {has} and may not {ACTION_WORDS[action]}: that needs the role "
            f"'{ACTIONS[action]}' (ask an admin to add you to the access file named by HIAP_ACCESS)."
        )


@dataclass(frozen=True)
class AccessPolicy:
    """Roles by exact e-mail address and by domain, as read from the access file."""

    addresses: dict[str, str]
    domains: dict[str, str]
    source: str = "<access>"

    def role_of(self, email: str | None) -> str | None:
        """The role of an e-mail address (case-insensitive), or None when no list names it or its domain."""
        address = (email or "").strip().lower()
        if "@" not in address:
            return None
        if address in self.addresses:
            return self.addresses[address]
        return self.domains.get("@" + address.rsplit("@", 1)[1])

    def user(self, email: str, name: str = "") -> User:
        """The signed-in user with their role (role '' when they have none: every action is refused)."""
        return User(email=email.strip(), name=(name or "").strip(), role=self.role_of(email) or "")


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
    unknown = set(data) - {"roles"}
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
            key = entry.strip().lower()
            if key.startswith("@") and len(key) > 1 and "@" not in key[1:]:
                target = domains
            elif "@" in key and not key.startswith("@") and key.count("@") == 1:
                target = addresses
            else:
                problems.append(f"roles.{role}: '{entry[:80]}' is neither an e-mail address nor an @domain")
                continue
            if _rank(role) > _rank(target.get(key)):
                target[key] = role
    if problems:
        raise AccessConfigError(f"The access file {source} cannot be used: " + "; ".join(problems) + ".")
    return AccessPolicy(addresses, domains, source)


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
