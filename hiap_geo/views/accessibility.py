"""The accessibility statement (Public Sector Bodies Accessibility Regulations 2018): what conforms to WCAG 2.2 AA,
what does not yet and why, how it was tested and how to report a problem.

Written from what the tests check (tests/test_accessibility_browser.py, tests/test_map_text.py,
tests/test_colour_vision.py, the Word read-backs in tests/test_plan_document.py and tests/test_profile_export.py) and
honest about what they do not: a statement that claims
more than was tested would mislead the people it is for.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiap_geo.core import settings
from hiap_geo.render.maps import CANVAS_ABOVE

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
                "- Use the Map explorer with a keyboard alone: Tab to 'Find an area', type a name or code, read the "
                "area's figures beside the map and open its profile. On every map, Tab reaches the areas once (one "
                "stop, so the next Tab leaves the map), the arrow keys move from area to area, each named with its "
                f"value, and Enter selects one; the focus stays on it. A map of more than {CANVAS_ABOVE:,} areas "
                "(a region's or England's LSOAs) is drawn as one picture, whose areas the keyboard does not reach: "
                "use 'Find an area' there.",
                "- Read the maps as text: beside the map on the Map explorer, Indicators, Targeting and Plan pages a "
                "paragraph says what it shows and names the areas in the worst deciles (or at the worst end, or "
                "worse than the comparator); every area is in the table.",
                "- Hear what changed: when you change the measure, the decile filter, an indicator or a threshold, "
                "or step through measures or plan actions in presentation mode, a screen reader is told what the "
                "map now shows (a polite live region, which does not interrupt).",
                "- Tell the classes apart without colour: legends are labelled at both ends, better, similar and "
                "worse are written in words in the legend, the tips, the tables and the text beside the map, and "
                "the colours of deciles 1 and 2 stay distinct for people with the common colour-vision "
                "deficiencies.",
                "- Use a window 320 pixels wide, or zoom to 400%: pages reflow into one column without scrolling "
                "sideways (maps and data tables scroll within themselves).",
                "- Export a profile or a plan as Word: headings are Word heading styles, maps have alt text and "
                "tables mark their header rows.",
            )),
            ("How we tested", (
                f"Tested in {TESTED_ON}, by automated tests that run with every change (`make test`):",
                "- axe-core 4.12 (the WCAG 2.0, 2.1 and 2.2 A and AA rules, none switched off) on every page, and on "
                "every page in presentation mode, at 1366 by 768 pixels in Chromium, the maps' frames included: "
                "no violations;",
                "- every page at 320 CSS pixels wide, and at 200% zoom of a 1366 by 768 screen: the page never "
                "scrolls sideways and its heading is shown;",
                "- the page language is English, each page has one main heading and no heading level is skipped;",
                "- a keyboard-only test on the Map explorer narrows the decile filter (and checks what the live "
                "region says), selects an area on the map with Enter, finds an area by name, reads its figures and "
                "opens its profile, with the focus visible on the map's areas and the links; on Targeting the map's "
                "areas are one Tab stop walked with the arrow keys, and the focus stays on an area Enter chose; "
                "on the Plan page, stepping to the next action is announced;",
                "- the colours of deciles 1 and 2 stay distinguishable (colour difference CIEDE2000 above 10) under "
                "simulated protanopia, deuteranopia and tritanopia;",
                "- Word documents are read back: headings are Word heading styles in order, pictures have alt text "
                "and tables mark their header row.",
                "We have not yet tested with people who use assistive technology, nor by hand with screen readers "
                "(NVDA, JAWS, VoiceOver): automated tests find only part of what matters.",
            )),
            ("What does not yet conform, and why", (
                "- **PDF profiles and reports are not tagged** (WCAG 1.3.1): the PDF library we use (reportlab) "
                "cannot write tagged PDF, so a screen reader reads a PDF without its headings, table structure or "
                "the map's description. Use the Word export of the same profile or plan, which carries them, until "
                "we can produce tagged PDF.",
                "- **Map tips appear on hover or focus and cannot be dismissed with Escape** (WCAG 1.4.13): the "
                "figures they show are in the panel beside the map once an area is selected.",
                "- **Parts drawn by Streamlit**, the framework the app is built on, which we cannot change: its "
                "data tables are drawn on a canvas with an accessible grid behind them, which screen readers read "
                "less easily than an HTML table (download the CSV to read them elsewhere), and every heading has a "
                "link named only 'Link to heading'.",
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
