"""Place names on static maps, drawn offline from the boundary data (no basemap, no internet).

A printed map with no names leaves a reader guessing where it is. Each name is written at a point
inside its polygon (shapely's representative point, so never in a neighbour's bay), with a white
halo so it reads over any colour; names are placed in order of importance and one that would
overlap a name already placed is left out, so the map never becomes a smudge of text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from matplotlib.transforms import Bbox


@dataclass(frozen=True)
class LabelStyle:
    """How one group of names is written (the profiled area bold, neighbours plain, districts in capitals)."""

    size: float
    weight: str = "normal"
    style: str = "normal"
    colour: str = "#111111"
    upper: bool = False


AREA = LabelStyle(10.5, weight="bold")
NEIGHBOUR = LabelStyle(7.5)
DISTRICT = LabelStyle(8.5, style="italic", colour="#333333", upper=True)


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    style: LabelStyle


def labels_for(areas: gpd.GeoDataFrame, name_col: str, view: tuple[float, float, float, float],
               style: LabelStyle, largest_first: bool = True) -> list[Label]:
    """A label per polygon whose part inside the view is big enough to name, at a point inside that part."""
    minx, miny, maxx, maxy = view
    box = shapely.box(minx, miny, maxx, maxy)
    clipped = areas.geometry.intersection(box)
    keep = ~clipped.is_empty & (clipped.area > box.area * 0.002)
    frame = areas.loc[keep].assign(_clip=clipped[keep])
    if largest_first:
        frame = frame.assign(_size=frame["_clip"].area).sort_values("_size", ascending=False)
    out = []
    for name, geom in zip(frame[name_col], frame["_clip"], strict=True):
        point = geom.representative_point()
        out.append(Label(str(name), point.x, point.y, style))
    return out


def draw_labels(fig: Figure, ax: Axes, labels: Sequence[Label], avoid: Sequence[Artist] = ()) -> list[str]:
    """Write the labels in the order given, skipping any that would overlap one already written, an
    artist to ``avoid`` (the scale bar) or the map's edge; returns the names written."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list[Bbox] = [a.get_window_extent(renderer).expanded(1.1, 1.3) for a in avoid]
    written = []
    for label in labels:
        s = label.style
        text = ax.text(
            label.x, label.y, label.text.upper() if s.upper else label.text, ha="center", va="center",
            fontsize=s.size, fontweight=s.weight, fontstyle=s.style, color=s.colour, zorder=6,
            path_effects=[withStroke(linewidth=2.6, foreground="white")], clip_on=True,
        )
        box = text.get_window_extent(renderer).expanded(1.08, 1.25)
        inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
        if not inside or any(box.overlaps(other) for other in placed):
            text.remove()
            continue
        placed.append(box)
        written.append(label.text)
    return written
