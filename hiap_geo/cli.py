"""Command line: ``python -m hiap_geo fetch | build | info | fingertips | plan | profile | upload``.

Errors the user can act on (HiapGeoError, and a file or folder that cannot be written) print as one
message and exit with status 2; nothing is left half-written. Text that users or plan files supplied is
printed with terminal control characters removed, so a note cannot rewrite the screen.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from hiap_geo.core import settings
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.log import configure as configure_logging


def _fetch(args: argparse.Namespace) -> int:
    from hiap_geo.acquire.fetch import fetch_all, no_progress, tqdm_progress

    if args.from_dir is not None:
        from hiap_geo.acquire.importer import import_folder

        print(f"Importing official files from {args.from_dir} into {settings.sources_dir()}")
        report = import_folder(args.from_dir)
        for line in report.lines():
            print(line)
        return 2 if report.refused else 0
    mirror = args.mirror or settings.data_mirror()
    source = f"mirror {mirror}" if mirror else "the publishers (internet needed)"
    print(f"Fetching datasets from {source} into {settings.sources_dir()}")
    results = fetch_all(mirror=mirror, only=args.dataset, progress=no_progress if args.quiet else tqdm_progress,
                        refresh=args.refresh)
    for r in results:
        print(f"  {r.status:<10} {r.dataset_id}" + (f": {r.note}" if r.note and r.status != "manual" else ""))
    manual = [r for r in results if r.status == "manual"]
    if manual:
        print("Not downloadable by a script (import them by hand with `fetch --from <folder>`):")
        for r in manual:
            print(f"  {r.note}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from hiap_geo.geo.layers import build

    area = args.area or [settings.DEFAULT_AREA]
    report = build(area if len(area) > 1 else area[0], step=lambda msg: print(f"  building {msg}", flush=True))
    print(
        f"Built {report.slug} ({len(report.districts)} districts) in {report.seconds}s, "
        f"peak memory {report.peak_memory_mb:.0f} MB, into {settings.layers_dir(report.slug)}"
    )
    for name, rows in report.layers.items():
        print(f"  {name:<14} {rows:>6} areas")
    if report.problems:
        print("Data problems (reported, not hidden):")
        for p in report.problems:
            print(f"  - {p}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from hiap_geo.views.info import area_info

    print(area_info(" ".join(args.query)).as_text())
    return 0


def _fingertips(args: argparse.Namespace) -> int:
    from hiap_geo.core.cells import csv_bytes
    from hiap_geo.core.files import write_bytes_atomic
    from hiap_geo.indicators import fingertips as ft

    use_cache = "never" if args.no_cache else "only" if args.cached else "fallback"
    if args.action == "indicators":
        result = ft.list_indicators(args.profile or ft.LOCAL_HEALTH_PROFILE_ID, use_cache=use_cache)
        for row in result.data.itertuples():
            print(f"  {row.indicator_id:>6}  {row.indicator_name}  [{row.unit or row.value_type}; {row.polarity}]")
    else:
        if not args.parent:
            raise ft.FingertipsError("Name the area with --parent: a district or county code, or E92000001 (England).")
        profile = args.profile or (None if args.indicator else ft.LOCAL_HEALTH_PROFILE_ID)
        request = ft.FingertipsRequest(args.area_type, args.parent, tuple(args.indicator or ()), profile)
        result = ft.fetch_data(request, use_cache=use_cache)
        counts = ", ".join(f"{n} {kind}" for kind, n in result.data.drop_duplicates("area_code")["area_type"]
                           .value_counts().items())
        print(f"{request.label()}: {len(result.data)} rows, {result.data['indicator_id'].nunique()} indicator(s), "
              f"areas: {counts}")
        if args.out:
            write_bytes_atomic(Path(args.out), csv_bytes(result.data))  # indicator names are outside text
            print(f"  written to {args.out}")
    origin = f"cached copy fetched on {result.fetched_label()}" if result.from_cache else "fetched just now"
    print(f"Source: OHID Fingertips ({result.url}), {origin}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def _plan_check(args: argparse.Namespace) -> int:
    from hiap_geo.core.editions import edition
    from hiap_geo.plans.check import check_plan, check_plan_claims, report_text
    from hiap_geo.plans.figures.claims import claims_text
    from hiap_geo.plans.load import read_plan

    loaded = read_plan(args.file)
    found = check_plan(loaded)
    ed = edition(loaded.plan.edition)
    print(report_text(args.file, found, f"{ed.label} ({ed.lsoa_vintage}, {ed.ward_vintage})"))
    title, claims = check_plan_claims(loaded)
    print(f"\n--- Figures the document states ({title or 'none transcribed in data/plan_figures'}) ---\n")
    if title:
        print(claims_text(claims, title, loaded.plan.edition))
    differ = any(c.verdict == "differs" for c in claims)
    return 1 if differ or any(d.severity == "discrepancy" for d in found) else 0


def _plan_store(args: argparse.Namespace):  # noqa: ANN202 - a ProgressStore, imported lazily
    from hiap_geo.plans.progress import ProgressStore

    return ProgressStore(args.db)


def _plan_register(args: argparse.Namespace) -> int:
    store = _plan_store(args)
    change = store.plan_change(args.file)
    stored = store.register_plan(args.file, confirm=args.confirm)
    if stored and change.kind == "changed":
        print(terminal_text(change.summary()))
    print(f"{'Registered as the current version:' if stored else 'Unchanged:'} {args.file} in {store.describe()}")
    return 0


def _plan_review(args: argparse.Namespace) -> int:
    store = _plan_store(args)
    when = args.date
    review_id = store.record_review(args.plan_id, args.action_id, args.status, when, args.note or "", args.by,
                                    corrects=args.corrects, reason=args.reason)
    corrects = f", correcting review {args.corrects}" if args.corrects else ""
    print(f"Recorded review {review_id} of action {args.action_id} ({args.status}){corrects} in {store.describe()}")
    return 0


def _plan_status(args: argparse.Namespace) -> int:
    table = _plan_store(args).latest_status(args.plan_id)
    table["action_id"] = [a if latest else f"{a} ({EARLIER})"
                          for a, latest in zip(table["action_id"], table["in_latest_version"], strict=True)]
    shown = table[["action_id", "status_label", "review_date", "reviews", "note"]].fillna("")
    print(terminal_text(shown.to_string(index=False)))
    return 0


EARLIER = "earlier version"
"""How ``plan status`` and ``plan history`` mark an action that only an earlier version of its plan has."""


def _plan_history(args: argparse.Namespace) -> int:
    from hiap_geo.views.plan_reviews import named, present, review_names

    table = _plan_store(args).history(args.plan_id, args.action)
    if table.empty:
        print("No reviews recorded.")
    else:
        table["action_id"] = [a if latest else f"{a} ({EARLIER})"
                              for a, latest in zip(table["action_id"], table["in_latest_version"], strict=True)]
        table["recorded_at"] = table["recorded_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M} UTC")
        words = review_names(table)  # a correction names the review by date and reviewer; the id is for --corrects
        table["corrected_by"] = table["corrected_by"].map(lambda by: named(by, words, "corrected by") or "")
        table["corrects"] = table["corrects"].map(lambda c: named(c, words, "corrects") or "")
        cols = ["review_id", "review_date", "action_id", "status_label", "note", "reviewer", "reviewer_email",
                "recorded_at", "imported_by", "corrects", "correction_reason", "corrected_by"]
        shown = table[cols].astype(object)
        print(terminal_text(shown.where(shown.map(present), "").to_string(index=False)))
    return 0


def _plan_new(args: argparse.Namespace) -> int:
    from hiap_geo.plans.editor import new_plan, plan_yaml

    name = args.area_name or _area_name(args.area, args.edition)
    plan = new_plan(args.id, args.title, args.area, name, args.period, args.edition, author=args.author,
                    publisher=args.publisher)
    _write_plan_file(args.out, plan_yaml(plan), args.force)
    print(f"Wrote the new plan '{plan.id}' to {args.out}: one priority and one action to rename and fill in "
          f"(check it with `python -m hiap_geo plan check {args.out}`).")
    return 0


def _area_name(code: str, year: int) -> str:
    from hiap_geo.geo.lookups import district_counties, ward_lookup

    lookup = ward_lookup(year)
    names = lookup.loc[lookup["lad_code"] == code, "lad_name"]
    if names.empty:
        counties = district_counties()
        names = counties.loc[counties["county_code"] == code, "county_name"]
    if names.empty:
        raise HiapGeoError(f"{code} is not a district or county of the IoD {year} lookup; check the code, or give "
                           "its name with --area-name.")
    return str(names.iloc[0])


def _write_plan_file(out: Path, text: str, force: bool) -> None:
    from hiap_geo.core.files import write_text_atomic

    if out.is_dir():
        raise HiapGeoError(f"{out} is a folder: name the YAML file to write, e.g. {out / 'plan.yaml'}.")
    if out.exists() and not force:
        raise HiapGeoError(f"{out} exists; choose another file name, or add --force to replace it.")
    write_text_atomic(out, text)


def _plan_next_period(args: argparse.Namespace) -> int:
    from hiap_geo.plans.editor import next_period_draft, plan_yaml
    from hiap_geo.plans.editor.moving import move_to_edition
    from hiap_geo.plans.load import read_plan

    source = Path(args.plan)
    plan = read_plan(source).plan if source.suffix in (".yaml", ".yml") or source.exists() else \
        _plan_store(args).plan(args.plan)
    draft = next_period_draft(plan, args.id, args.period, author=args.author, title=args.title)
    moved = move_to_edition(draft, args.edition) if args.edition else None  # codes through the ONS lookup
    draft = moved.plan if moved else draft
    _write_plan_file(args.out, plan_yaml(draft), args.force)
    print(f"Wrote the draft '{draft.id}' for {args.period} to {args.out}: {len(draft.priorities)} priorities and "
          f"{len(draft.actions)} actions carried over from '{plan.id}', statuses reset.")
    for change in moved.changes if moved else ():
        print(f"- {change}")
    return 0


def _plan_export(args: argparse.Namespace) -> int:
    if args.to is not None:
        store = _plan_store(args)
        _write_plan_file(args.to, store.current_version(args.plan_id).text, args.force)
        print(f"Exported the current version of plan '{args.plan_id}' as YAML to {args.to}")
        return 0
    if args.out.is_dir():
        raise HiapGeoError(f"{args.out} is a folder: name the JSON file to write, e.g. {args.out / 'plan.json'}.")
    path = _plan_store(args).export_file(args.plan_id, args.out)
    print(f"Exported plan '{args.plan_id}' with its review history to {path}")
    return 0


def _plan_import(args: argparse.Namespace) -> int:
    print(terminal_text(_plan_store(args).import_file(args.file, confirm=args.confirm).as_text()))
    return 0


def _plan_pack(args: argparse.Namespace) -> int:
    from hiap_geo.plans.baseline import Selection
    from hiap_geo.plans.load import read_plan
    from hiap_geo.views.plan_pack import meeting_pack, plan_lsoas, write_pack

    store = _plan_store(args)
    source = Path(args.plan)
    if source.suffix in (".yaml", ".yml") or source.exists():
        plan = read_plan(source).plan
        history = store.history(plan.id) if plan.id in store.plan_ids() else None
    else:
        plan, history = store.plan(args.plan), store.history(args.plan)
    selection = (Selection("action", args.action) if args.action else
                 Selection("priority", args.priority) if args.priority else Selection())
    lsoas = plan_lsoas(plan, args.layers)
    files = meeting_pack(plan, history, meeting=args.meeting, since=args.since, lsoas=lsoas, selection=selection)
    for path in write_pack(files, args.out):
        print(f"Wrote {path}")
    if lsoas is None:
        print("No maps: no built map layer holds the plan's area (run `python -m hiap_geo build --area ...`).")
    return 0


def _plan_progress(args: argparse.Namespace) -> int:
    from hiap_geo.plans.baseline import Selection, progress_against_baseline
    from hiap_geo.plans.load import read_plan
    from hiap_geo.views.plan_pack import progress_tables

    source = Path(args.plan)
    is_file = source.suffix in (".yaml", ".yml") or source.exists()
    plan = read_plan(source).plan if is_file else _plan_store(args).plan(args.plan)
    selection = (Selection("action", args.action) if args.action else
                 Selection("priority", args.priority) if args.priority else Selection())
    for heading, item, _ in progress_tables(progress_against_baseline(plan, selection)):
        if heading:
            print(f"\n{terminal_text(heading)}")
        print(terminal_text(item if isinstance(item, str) else item.to_string(index=False)))
    return 0


def _add_plan_commands(sub: argparse._SubParsersAction) -> None:
    """``plan check | register | review | status | history | export | import | new | next-period | progress | pack``."""
    plan = sub.add_parser("plan", help="action plans: check against the data; progress reviews and their history")
    cmds = plan.add_subparsers(dest="plan_command", required=True)
    check = cmds.add_parser("check", help="report every discrepancy between a plan file and the official data, "
                            "and check every figure its document states (data/plan_figures)")
    check.add_argument("file", help="a plan file, e.g. data/plans/tunbridge-wells-2023-25.yaml")
    check.set_defaults(run=_plan_check)
    db_help = "database URL (default: $HIAP_PROGRESS_DB, else SQLite in the user data folder)"
    register = cmds.add_parser("register", help="store a plan file as the plan's current version")
    register.add_argument("file")
    register.add_argument("--confirm", action="store_true",
                          help="make the file current although the stored plan with its id differs (the command "
                               "names what changes first: actions removed, renamed, retitled)")
    review = cmds.add_parser("review", help="record an action's status and a note at a review date")
    review.add_argument("plan_id")
    review.add_argument("action_id")
    review.add_argument("status", choices=["not_started", "on_track", "at_risk", "done"])
    review.add_argument("--note", help="what the meeting said")
    review.add_argument("--date", type=_review_date, help="review date, YYYY-MM-DD (default: today)")
    review.add_argument("--by", help="who recorded it")
    review.add_argument("--corrects", metavar="REVIEW_ID",
                        help="the id of an earlier review this one corrects (it stays in the history, marked "
                             "corrected; `plan history` lists ids); needs --reason")
    review.add_argument("--reason", help="why the earlier review is corrected")
    status = cmds.add_parser("status", help="each action's latest status")
    status.add_argument("plan_id")
    history = cmds.add_parser("history", help="every review, oldest first")
    history.add_argument("plan_id")
    history.add_argument("--action", help="only this action")
    export = cmds.add_parser("export", help="write the plan and its whole review history to a JSON file "
                                            "(-o), or the plan's current version as a YAML plan file (--to)")
    export.add_argument("plan_id")
    where = export.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--out", type=Path, help="the JSON file to write (plan versions and reviews)")
    where.add_argument("--to", type=Path, help="the YAML plan file to write (the current version, as saved)")
    export.add_argument("--force", action="store_true", help="replace the --to file if it exists")
    new = cmds.add_parser("new", help="write a new plan file to fill in (one priority, one action)")
    new.add_argument("--id", required=True, help="the plan's id: letters, digits, '.', '_', '-'")
    new.add_argument("--title", required=True)
    new.add_argument("--area", required=True, help="the district or county code, e.g. E07000116")
    new.add_argument("--area-name", help="its name (default: the lookup's)")
    new.add_argument("--period", required=True, help="e.g. 2026-29")
    new.add_argument("--edition", type=int, choices=[2019, 2025], default=2025,
                     help="the IoD edition whose areas the plan names (default 2025: LSOA 2021, wards 2024)")
    new.add_argument("--author", required=True, help="who writes the plan")
    new.add_argument("--publisher", help="the council publishing it (default: the author)")
    new.add_argument("-o", "--out", required=True, type=Path, help="the YAML file to write")
    new.add_argument("--force", action="store_true", help="replace the file if it exists")
    new.set_defaults(run=_plan_new)
    nxt = cmds.add_parser("next-period", help="write a draft of a plan's next period: priorities and actions "
                                              "carried over (each linked to the one it continues), statuses reset")
    nxt.add_argument("plan", help="a plan file, or the id of a plan in the progress database")
    nxt.add_argument("--id", required=True, help="the new plan's id")
    nxt.add_argument("--period", required=True, help="the new period, e.g. 2026-29")
    nxt.add_argument("--title", help="the new title (default: the old one with the period replaced)")
    nxt.add_argument("--author", default="HIAP Geo user", help="who writes the draft")
    nxt.add_argument("--edition", type=int, choices=[2019, 2025],
                     help="move the draft to this IoD edition's areas (default: the plan's; `plan check` then names "
                          "every code or name of the old areas)")
    nxt.add_argument("-o", "--out", required=True, type=Path, help="the YAML file to write")
    nxt.add_argument("--force", action="store_true", help="replace the file if it exists")
    nxt.add_argument("--db", help=db_help)
    nxt.set_defaults(run=_plan_next_period)
    pack = cmds.add_parser("pack", help="write the Health Action Team meeting pack (Word and PDF): status, reviews "
                                        "since a date, maps, coverage gaps and progress against baseline")
    pack.add_argument("plan", help="a plan file, or the id of a plan in the progress database")
    pack.add_argument("--out", required=True, type=Path, help="the folder to write the .docx and .pdf into")
    pack.add_argument("--since", type=_review_date, help="the last meeting's date (YYYY-MM-DD): reviews since")
    pack.add_argument("--meeting", type=_review_date, help="the meeting's date (default today)")
    which = pack.add_mutually_exclusive_group()
    which.add_argument("--priority", help="progress against baseline for one priority's actions only")
    which.add_argument("--action", help="progress against baseline for one action only")
    pack.add_argument("--layers", help="the built area whose maps to use (default: the first that holds the plan)")
    pack.add_argument("--db", help=db_help)
    pack.set_defaults(run=_plan_pack)
    progress = cmds.add_parser("progress", help="progress against baseline: the plan's targeted LSOAs against the "
                                                "rest of the district and matched areas, IMD 2019 -> 2025, SII")
    progress.add_argument("plan", help="a plan file, or the id of a plan in the progress database")
    scope = progress.add_mutually_exclusive_group()
    scope.add_argument("--priority", help="one priority's actions only")
    scope.add_argument("--action", help="one action only")
    progress.add_argument("--db", help=db_help)
    progress.set_defaults(run=_plan_progress)
    imp = cmds.add_parser("import", help="import an export file (all or nothing)")
    imp.add_argument("file")
    imp.add_argument("--confirm", action="store_true",
                     help="make the file's last plan version current when it differs from the stored one")
    for cmd, run in (
        (register, _plan_register),
        (review, _plan_review),
        (status, _plan_status),
        (history, _plan_history),
        (export, _plan_export),
        (imp, _plan_import),
    ):
        cmd.add_argument("--db", help=db_help)
        cmd.set_defaults(run=run)


def _profile(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from hiap_geo.render.profile.assemble import build_profile, wards_of_district
    from hiap_geo.render.profile.export import FORMATS, write_profile

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise HiapGeoError(f"Unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}.")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise HiapGeoError(f"--out {out} is a file; name a folder for the profile files.")
    if args.all_wards_of:
        if args.query:
            raise HiapGeoError("Give either an area or --all-wards-of DISTRICT, not both.")
        wards = wards_of_district(args.all_wards_of)
        written = []
        for code in tqdm(wards, desc="ward profiles", unit="ward"):
            written += write_profile(build_profile(code), formats, out)
        print(f"Wrote {len(written)} files for {len(wards)} wards into {out}")
        return 0
    if not args.query:
        raise HiapGeoError("Name an area (a code, a name, or several LSOA / ward codes), or use --all-wards-of.")
    profile = build_profile(args.query, name=args.name)
    for path in write_profile(profile, formats, out):
        print(path)
    return 0


def _add_profile_command(sub: argparse._SubParsersAction) -> None:
    prof = sub.add_parser(
        "profile", help="area profile for bids (PDF, Word, Excel, CSV, GeoJSON) of an LSOA, ward, district or group"
    )
    prof.add_argument("query", nargs="*", help="a code or name, or several LSOA / ward codes for a custom group")
    prof.add_argument("--format", default="pdf,docx,xlsx,csv,geojson", help="comma-separated (default: all five)")
    prof.add_argument("--out", default=".", help="folder for the files (default: the current folder)")
    prof.add_argument("--name", help="a name for a custom group (default: 'Custom group of N LSOAs')")
    prof.add_argument("--all-wards-of", metavar="DISTRICT", help="one profile per ward of this district (code or name)")
    prof.set_defaults(run=_profile)


def _upload_check(args: argparse.Namespace) -> int:
    from hiap_geo.views.uploads import check_upload_file, unmappable_message, upload_summary

    result = check_upload_file(Path(args.file), args.name)
    unmappable = unmappable_message(result, Path(args.file).name)
    if unmappable:
        raise HiapGeoError(unmappable)
    print(terminal_text(upload_summary(result)))
    for note in result.notes:
        print(terminal_text(f"  note: {note}"))
    return 0


def _add_upload_command(sub: argparse._SubParsersAction) -> None:
    """``upload check FILE``: the Indicators page's checks on a file, before a meeting."""
    upload = sub.add_parser("upload", help="indicator files for the Indicators page")
    cmds = upload.add_subparsers(dest="upload_command", required=True)
    check = cmds.add_parser("check", help="validate an indicator file (CSV or xlsx) exactly as the Indicators page "
                                          "does; exit 0 when it loads, 2 with every problem when it does not")
    check.add_argument("file", help="a CSV or Excel (.xlsx) file of indicator values by area code")
    check.add_argument("--name", help="the indicator's name when the file has no indicator column "
                                      "(default: the file name)")
    check.set_defaults(run=_upload_check)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m hiap_geo", description="HIAP Geo: deprivation data for action plans.")
    sub = top.add_subparsers(dest="command", required=True)

    fetch = sub.add_parser("fetch", help="obtain every dataset in the registry (data/sources.yaml)")
    fetch.add_argument("--dataset", action="append", help="only this dataset id (repeatable)")
    fetch.add_argument("--mirror", type=_existing_dir, help="copy from this folder (default: $HIAP_DATA_MIRROR)")
    fetch.add_argument("--quiet", action="store_true", help="no progress bars; only warnings logged")
    fetch.add_argument("--from", dest="from_dir", type=_existing_dir,
                       help="import official files downloaded by hand from this folder (any names)")
    fetch.add_argument("--refresh", action="store_true",
                       help="download from the publishers again, even datasets already converted")
    fetch.set_defaults(run=_fetch)

    build = sub.add_parser("build", help="build analysis-ready layers into the cache")
    build.add_argument("--area", nargs="+", metavar="AREA", help="kent (default), england, or district / county codes")
    build.set_defaults(run=_build)

    info = sub.add_parser("info", help="what the data says about an LSOA, ward or district (code or name)")
    info.add_argument("query", nargs="+", help="e.g. E01024840, 'Tunbridge Wells 005A', Sevenoaks")
    info.set_defaults(run=_info)

    tips = sub.add_parser("fingertips", help="OHID Fingertips indicators (needs a connection; answers are cached)")
    tips.add_argument("action", choices=["indicators", "data"], help="list a profile's indicators, or fetch data")
    tips.add_argument("--profile", type=int, help="profile id (default 143, Local Health, unless --indicator)")
    tips.add_argument("--indicator", type=int, action="append", help="indicator id (repeatable; default: the profile)")
    tips.add_argument("--area-type", choices=["ward", "msoa", "district"], default="ward")
    tips.add_argument("--parent", help="district or county code the areas lie in, or E92000001 (England)")
    tips.add_argument("--out", help="write the long-format table to this CSV file")
    source = tips.add_mutually_exclusive_group()
    source.add_argument("--cached", action="store_true", help="use the cached copy only, no network")
    source.add_argument("--no-cache", action="store_true", help="fail rather than fall back on a cached copy")
    tips.set_defaults(run=_fingertips)
    _add_plan_commands(sub)
    _add_profile_command(sub)
    _add_upload_command(sub)
    return top


def _existing_dir(value: str) -> object:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is not a folder")
    return path


def _review_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{terminal_text(value)[:40]}' is not a date: write YYYY-MM-DD, "
                                         "e.g. 2025-03-31") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(text: str) -> str:
    """``text`` without terminal control characters (escape sequences, bells, carriage returns); newlines
    and tabs stay."""
    return _CONTROL.sub("", text)


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)  # unwinds like Ctrl-C, so every atomic write removes its temporary file


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        configure_logging("WARNING" if getattr(args, "quiet", False) else None)
        return int(args.run(args))
    except HiapGeoError as exc:
        print(f"error: {terminal_text(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder that cannot be written, a full disk, a pipe named as a file: the user can act
        from hiap_geo.core.files import NotRegularFile
        from hiap_geo.core.limits import shorten

        where = f" ({shorten(exc.filename)})" if getattr(exc, "filename", None) else ""
        after = "" if isinstance(exc, NotRegularFile) else " Nothing was left half-written."
        print(f"error: {terminal_text(str(exc.strerror or exc))}{where}.{after}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was left half-written.", file=sys.stderr)
        return 130
