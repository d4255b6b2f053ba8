"""Compact geometry encoding for maps sent to the browser.

GeoJSON spells every coordinate in full ("-0.09727,51.52158"); England's 33,755 LSOAs come to
8 MB even rounded to four decimals. Here coordinates are quantised to integers (``scale`` per
degree) and each ring stores its first point and then the differences between neighbours,
which are mostly two or three digits: England comes to under 3 MB. The browser rebuilds
GeoJSON with ``DECODER_JS`` (the same algorithm backwards), so Leaflet sees ordinary features.

Layout: ``{"s": scale, "g": polygons per geometry, "p": rings per polygon, "r": points per ring,
"c": [x0, y0, dx1, dy1, ...]}``; rings are stored open (the closing point is implied).
"""

from __future__ import annotations

import json

import numpy as np
import shapely
from numpy.typing import ArrayLike

DECODER_JS = """
function hiapDecode(e) {
  var c = e.c, r = e.r, p = e.p, g = e.g, s = e.s, ci = 0, ri = 0, pi = 0, out = [];
  for (var gi = 0; gi < g.length; gi++) {
    var polygons = [];
    for (var a = 0; a < g[gi]; a++, pi++) {
      var rings = [];
      for (var b = 0; b < p[pi]; b++) {
        var n = r[ri++], ring = [], x = 0, y = 0;
        for (var k = 0; k < n; k++, ci += 2) { x += c[ci]; y += c[ci + 1]; ring.push([x / s, y / s]); }
        ring.push(ring[0]);
        rings.push(ring);
      }
      polygons.push(rings);
    }
    out.push({type: "Feature", properties: {i: gi}, geometry: {type: "MultiPolygon", coordinates: polygons}});
  }
  return {type: "FeatureCollection", features: out};
}
"""


def encode(geometries: ArrayLike, scale: int = 10_000) -> dict[str, object]:
    """Encode polygonal geometries (lon/lat); ``scale`` 10,000 per degree is about 10 m."""
    geoms = np.asarray(geometries, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    ring_sizes = np.bincount(coord_of, minlength=len(rings))
    last = np.cumsum(ring_sizes) - 1
    keep = np.ones(len(coords), dtype=bool)
    keep[last] = False  # drop each ring's closing point
    quantised = np.round(coords[keep] * scale).astype(np.int64)
    open_sizes = ring_sizes - 1
    deltas = quantised.copy()
    deltas[1:] -= quantised[:-1]
    starts = np.concatenate([[0], np.cumsum(open_sizes)[:-1]])
    deltas[starts] = quantised[starts]  # each ring starts from an absolute point
    return {
        "s": scale,
        "g": np.bincount(part_of, minlength=len(geoms)).tolist(),
        "p": np.bincount(ring_of, minlength=len(parts)).tolist(),
        "r": open_sizes.tolist(),
        "c": deltas.ravel().tolist(),
    }


def to_json(encoded: dict[str, object]) -> str:
    """Compact JSON (no spaces) for embedding in the map's script."""
    return json.dumps(encoded, separators=(",", ":"))


def decode(encoded: dict[str, object]) -> list[shapely.MultiPolygon]:
    """Python mirror of ``DECODER_JS``, used by the tests to prove the round trip."""
    c = np.asarray(encoded["c"], dtype=np.int64).reshape(-1, 2)
    scale = float(encoded["s"])  # type: ignore[arg-type]
    r, p, g = encoded["r"], encoded["p"], encoded["g"]
    out, ci, ri, pi = [], 0, 0, 0
    for n_polygons in g:  # type: ignore[union-attr]
        polygons = []
        for _ in range(n_polygons):
            rings = []
            for _ in range(p[pi]):  # type: ignore[index]
                n = r[ri]  # type: ignore[index]
                ring = np.cumsum(c[ci : ci + n], axis=0) / scale
                rings.append(ring)
                ci, ri = ci + n, ri + 1
            polygons.append(shapely.Polygon(rings[0], rings[1:]))
            pi += 1
        out.append(shapely.MultiPolygon(polygons))
    return out
