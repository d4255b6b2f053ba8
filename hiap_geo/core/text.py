"""Text helpers shared by every layer: markdown escaping of plan, upload and user text, and the keys
that match and sort names the way people write them.

One ``name_key`` for the whole project, so that a name that matches when a plan's targets are
resolved also matches when the plan-figures files are validated (accents, '&'/'and', apostrophes).
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")


_WORD_JOINER = "\u2060"
_AUTOLINK_PARTS = (("\\:", "\\:" + _WORD_JOINER), ("@", _WORD_JOINER + "@"), ("www\\.", "www" + _WORD_JOINER + "\\."),
                   ("WWW\\.", "WWW" + _WORD_JOINER + "\\."))
"""Streamlit's Markdown turns bare 'http://...', 'www.' and e-mail addresses into links even when escaped with
a backslash; an invisible word joiner inside each keeps them text."""


def escape_markdown(text: object) -> str:
    """HTML shows as text and markdown syntax as characters: '<script>alert(1)</script>' is shown exactly so,
    and a bare address is not turned into a link."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False)).replace("\n", " ")
    for part, reference in _AUTOLINK_PARTS:
        escaped = escaped.replace(part, reference)
    return escaped


def name_key(name: str) -> str:
    """A forgiving match key for area names: case, accents, '&' and 'and', apostrophes (straight or curly),
    punctuation and spacing do not matter ('St Mary’s & Ide Hill' and 'st marys and ide hill' match)."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = text.encode("ascii", "ignore").decode()  # drops accents (and curly apostrophes) after NFKD
    text = text.replace("&", " and ")
    text = re.sub(r"['`]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def natural_key(text: str) -> tuple[Any, ...]:
    """A sort key that puts action '1.10' after '1.9' (numbers compare as numbers)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def agreeing(n: int, one: str, many: str) -> str:
    """The word that agrees with a count: ``agreeing(1, "lies", "lie")`` is 'lies', for 2 'lie'."""
    return one if n == 1 else many


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 LSOA', '2 LSOAs', '0 wards': a count with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
