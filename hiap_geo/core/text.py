"""Text from plans, uploads and users made safe to show in Streamlit markdown."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")


def escape_markdown(text: object) -> str:
    """HTML shows as text and markdown syntax as characters: '<script>alert(1)</script>' is shown exactly so."""
    escaped = html.escape(str(text), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped).replace("\n", " ")
