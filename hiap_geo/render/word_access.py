"""Word documents a screen reader can read (WCAG 1.1.1 and 1.3.1 in exported files): pictures with alt text.

Headings use Word's heading styles (``add_heading``) and table header rows are marked (``w:tblHeader``) where the
documents are written; this adds the description Word shows as 'Alt Text' and reads aloud.
"""

from __future__ import annotations


def describe_picture(shape: object, title: str, description: str) -> None:
    """Give a picture added with ``add_picture`` its alt text (``descr``) and a short title, as Word's own Alt Text
    pane does (the ``wp:docPr`` of the inline shape)."""
    properties = shape._inline.docPr  # type: ignore[attr-defined]
    properties.set("title", title[:255])
    properties.set("descr", description)
