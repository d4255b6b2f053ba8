"""The colours of deprivation deciles, shared by the web maps and the static maps of profiles and slides.

Viridis (readable in greyscale, for colour-blind viewers and on a projector), sampled so that decile 1
(most deprived) and decile 2 stand apart: the two most deprived tenths are the ones a plan targets, and
evenly spaced samples made them look alike on a projector.
"""

from __future__ import annotations

DECILE_COLOURS: tuple[str, ...] = (
    "#440154", "#414487", "#32648e", "#287d8e", "#1f958b", "#25ab82", "#44bf70", "#75d054", "#b5de2b", "#fde725",
)
"""Decile 1 (most deprived, dark purple) to decile 10 (least deprived, yellow): viridis at 0, 0.2, 0.32, 0.42,
0.52, 0.61, 0.7, 0.79, 0.89 and 1."""
