"""Map build time and bytes sent to the browser: HIAP Geo's builder against GeoDataFrame.explore().

Both draw the same display layer and column, side by side in one run, so the ratios hold on a
noisy machine even when the absolute times do not. The map component's columns are what the Map explorer
sends now: the geometry file (all the first paint needs, fetched once per set of areas), the names file (codes
and names, fetched after the first paint) and the payload sent on every rerun (colours, values, legend); a
measure switch sends only a new payload.

    make bench            # or: .venv/bin/python -m benchmarks.map_benchmark [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from collections.abc import Callable

import geopandas as gpd

from hiap_geo.geo.layers import load_layer
from hiap_geo.geo.lookups import districts_in_area
from hiap_geo.geo.measures import map_areas, measure
from hiap_geo.render.map_component import map_view
from hiap_geo.render.maps import area_map
from hiap_geo.views.explorer import areas_of, build_in_use, built_districts

SCALES = {"Tunbridge Wells": ["E07000116"], "Kent and Medway": "kent", "South East region": "E12000008",
          "England": "england"}


def timed(fn: Callable[[], str], repeat: int) -> tuple[float, int, int]:
    """Median seconds, bytes, and bytes gzipped (as the app's server sends its static files)."""
    times, body = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        html = fn()
        times.append(time.perf_counter() - start)
        body = html.encode("utf-8")
    return statistics.median(times), len(body), len(gzip.compress(body, compresslevel=6))


def component_bytes(view: object) -> tuple[int, int, int, int]:
    """Bytes of the geometry file, the names file and the payload of one map component view, and the geometry
    file and payload gzipped (what the first paint waits for)."""
    payload = json.dumps(view.payload, separators=(",", ":")).encode("utf-8")
    body, names = view.assets[0].body, view.assets[-1].body
    return (len(body), len(names), len(payload),
            len(gzip.compress(body, compresslevel=6)) + len(gzip.compress(payload)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    slug = build_in_use()
    layer = load_layer(slug, "lsoa", 2025, display=True)
    chosen = measure("lsoa", "imd", "decile")
    print(f"Layer: IoD 2025 LSOAs from build '{slug}' (display copy), column {chosen.column}; "
          f"median of {args.repeat} runs\n")
    print("| scale | areas | ours: s | explore(): s | time ratio | ours: MB | explore(): MB | bytes ratio "
          "| component: geometry file MB | names file MB | payload kB | geometry file / explore() bytes "
          "| first paint (geometry + payload) / explore(), gzipped |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    held = set(built_districts(slug))
    for name, area in SCALES.items():
        districts = tuple(districts_in_area(area))
        if not set(districts) <= held:
            print(f"| {name} | not in build '{slug}' | | | | | | | | | | | |")
            continue
        rows: gpd.GeoDataFrame = areas_of(layer, "lsoa", 2025, districts)
        areas = map_areas(rows, "lsoa", chosen)
        ours_s, ours_b, _ = timed(lambda a=areas: area_map(a, chosen).get_root().render(), args.repeat)
        plain = rows[["lsoa_code", "lsoa_name", "ward_name", "lad_name", chosen.column, "geometry"]]
        theirs_s, theirs_b, theirs_gz = timed(lambda p=plain: p.explore(column=chosen.column).get_root().render(),
                                              args.repeat)
        file_b, names_b, payload_b, component_gz = component_bytes(map_view(areas, chosen))
        print(f"| {name} | {len(rows):,} | {ours_s:.2f} | {theirs_s:.2f} | {ours_s / theirs_s:.2f} | "
              f"{ours_b / 1e6:.2f} | {theirs_b / 1e6:.2f} | {ours_b / theirs_b:.2f} | {file_b / 1e6:.2f} | "
              f"{names_b / 1e6:.2f} | {payload_b / 1e3:.0f} | {file_b / theirs_b:.3f} | "
              f"{component_gz / theirs_gz:.2f} |")


if __name__ == "__main__":
    main()
