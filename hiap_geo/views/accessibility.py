"""The accessibility statement (Public Sector Bodies Accessibility Regulations 2018): what conforms to WCAG 2.2 AA,
what does not yet and why, how it was tested and how to report a problem.

Written from what the tests check (tests/test_accessibility_browser.py, tests/test_map_text.py,
tests/test_colour_vision.py, tests/test_plan_document.py) and honest about what they do not: a statement that claims
more than was tested would mislead the people it is for.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiap_geo.core import settings

STANDARD = "Web Content Accessibility Guidelines (WCAG) version 2.2, level AA"
TESTED_ON = "December 2026"


@dataclass(frozen=True)
class Statement:
    """The statement in sections, each a title and Markdown paragraphs or bullet lines."""

    status: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]


def contact_line(contact: str) -> str:
    """How to report a problem: the team's own contact when it set one, else who to ask."""
    if contact:
        where = f"<{contact}>" if "@" in contact and " " not in contact else contact
        return (f"If you find a problem we have not listed, or need a map, table or export in another format, "
                f"contact {where}. We will reply within 5 working days.")
    return ("If you find a problem we have not listed, or need a map, table or export in another format, tell "
            "the team that runs this HIAP Geo for you (usually your council's public-health intelligence team). "
            "The team can put its contact here by setting HIAP_ACCESSIBILITY_CONTACT.")


def statement(contact: str | None = None) -> Statement:
    """The statement, with the contact from ``HIAP_ACCESSIBILITY_CONTACT`` unless one is given."""
    contact = settings.accessibility_contact() if contact is None else contact
    return Statement(
        status=f"HIAP Geo is partially compliant with the {STANDARD}, because of the items listed under "
               "'What does not yet conform'.",
        sections=(
            ("What you can do", (
                "- Use every page with a keyboard alone: find an area by name, read its figures beside the map "
                "and open its profile without a mouse.",
                "- Read every map as text: beside each map a paragraph says what it shows and names the areas in "
                "the worst deciles, with a link to the table that lists every area.",
                "- Hear what changed: when you change the measure, a filter or the presentation step, a screen "
                "reader is told what the map now shows (a polite live region, which does not interrupt).",
                "- Tell the categories apart without colour: legends are labelled at both ends, and better, "
                "similar and worse are written in words as well as coloured.",
                "- Zoom to 400% or use a window 320 pixels wide: pages reflow into one column without scrolling "
                "sideways (maps and data tables scroll within themselves).",
            )),
            ("How we tested", (
                f"Tested in {TESTED_ON}, by automated tests that run with every change (`make test`):",
                "- axe-core (the WCAG 2.0, 2.1 and 2.2 A and AA rules, none switched off) on every page, and on "
                "every page in presentation mode, at 1366 by 768 pixels in Chromium: no violations;",
                "- every page at 320 CSS pixels wide: the page never scrolls sideways and its heading is shown;",
                "- the page language is English, each page has one main heading and no heading level is skipped;",
                "- a keyboard-only test finds an area by name, reads its figures and opens its profile;",
                "- the colours of deciles 1 and 2 stay distinguishable (colour difference CIEDE2000 above 10) under "
                "simulated protanopia, deuteranopia and tritanopia;",
                "- Word documents are read back: headings are Word heading styles, pictures have alt text and "
                "tables mark their header row.",
                "We have not yet tested with people who use assistive technology, nor with screen readers "
                "(NVDA, JAWS, VoiceOver) by hand: automated tests find only part of what matters.",
            )),
            ("What does not yet conform, and why", (
                "- **PDF profiles and reports are not tagged** (WCAG 1.3.1, 2.4.2): the PDF library we use "
                "(reportlab) cannot write tagged PDF, so a screen reader reads a PDF without its headings, table "
                "structure or the map's description. Use the Word or Excel export of the same profile, which carry "
                "them, until we can produce tagged PDF.",
                "- **The maps themselves are pictures to a screen reader** (WCAG 1.1.1, 2.1.1): the areas on a map "
                "cannot be reached one by one with the Tab key. The same information is in the text beside each map "
                "and in the table below it, and an area is found by name in the 'Find an area' box.",
                "- **Hover tips on the map need a mouse** (WCAG 1.4.13): the figures they show are in the panel "
                "beside the map once an area is found or clicked.",
                "- **Parts drawn by Streamlit, the framework the app is built on**, we cannot change: its data "
                "tables are drawn on a canvas (a screen reader reads them cell by cell through Streamlit's own "
                "accessible grid, less easily than an HTML table: download the CSV to read them elsewhere), and "
                "its sidebar menu button has no visible text. We check them with axe on each release.",
                "- **At 200% zoom or 320 pixels wide the map is smaller** and its legend may cover part of it: "
                "fold the legend with a click on its title, or use the table.",
            )),
            ("How to report a problem", (contact_line(contact),)),
            ("Enforcement", (
                "The Equality and Human Rights Commission (EHRC) enforces the accessibility regulations. If you are "
                "not happy with how we respond to your complaint, contact the Equality Advisory and Support "
                "Service (EASS).",
            )),
        ),
    )


def markdown(doc: Statement) -> str:
    """The statement as Markdown: headings at level 2 under the page's title; bullet lines kept in one list."""
    parts = [doc.status]
    for title, paragraphs in doc.sections:
        text = paragraphs[0]
        for before, paragraph in zip(paragraphs, paragraphs[1:], strict=False):
            text += ("\n" if before.startswith("- ") and paragraph.startswith("- ") else "\n\n") + paragraph
        parts += [f"## {title}", text]
    return "\n\n".join(parts)
