"""What the Map explorer, Targeting and Plan editor pages load and compute on a first visit (issue 25: a first
visit within 1.5x the floor page's; benchmarks/README.md has the figures): only what their first paint shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings

HEAVY = ("matplotlib", "altair", "mapclassify", "docx")
"""Modules a first paint of these pages does not use: the PNG map and plan documents (matplotlib, python-docx),
charts (altair), and mapclassify (the app classes its maps without it)."""


@pytest.mark.parametrize("module", ["hiap_geo.views.explorer_page", "hiap_geo.views.targeting",
                                    "hiap_geo.views.plan_editor", "hiap_geo.views.plan_editor_edits",
                                    "app.editor_forms", "app.loaders", "app.map_component"])
def test_the_pages_views_import_nothing_heavy_their_first_paint_does_not_use(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=settings.PROJECT_ROOT).stdout.strip()
    assert found == "", f"{module} imports {found} at once; import it where it is used"


@pytest.mark.integration
def test_targeting_fits_no_slope_index_until_an_indicator_is_chosen(kent: str) -> None:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    at.switch_page("app/pages/targeting.py").run()
    assert not at.exception
    assert at.selectbox(key="sii_indicator").value is None and not at.metric
    assert any("Choose an indicator above" in c.value for c in at.caption)
    at.selectbox(key="sii_indicator").set_value("census21_disability").run()
    assert "95% confidence interval" in {m.label for m in at.metric}


@pytest.mark.parametrize(("value", "on"), [("", True), ("1", True), ("0", False), ("false", False), ("No", False)])
def test_the_server_warm_up_is_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch, value: str, on: bool) -> None:
    monkeypatch.setenv("HIAP_WARM_UP", value)
    assert settings.warm_up() is on


@pytest.mark.integration
def test_the_warm_up_reads_the_shared_layers_and_lookups_and_imports_the_indicator_views(
        kent: str, caplog: pytest.LogCaptureFixture) -> None:
    from app import warm_up
    from hiap_geo.geo import lookups
    from hiap_geo.indicators.catalogue import catalogue

    for read in (lookups.ward_lookup, lookups.lsoa_crosswalk, lookups.district_regions, catalogue):
        read.cache_clear()
    with caplog.at_level("INFO", logger="hiap_geo.app.warm_up"):
        warm_up._import_all()
    assert "hiap_geo.views.targeting" in sys.modules and "hiap_geo.views.indicators" in sys.modules
    assert lookups.ward_lookup.cache_info().currsize == 2  # both editions'
    assert lookups.lsoa_crosswalk.cache_info().currsize == lookups.district_regions.cache_info().currsize == 1
    assert catalogue.cache_info().currsize == 1  # Targeting's lists of indicators
    assert any("layers read" in r.message and "default district's maps prepared" in r.message for r in caplog.records)
    # the rows of the page's first indicator and of the Health Index are read: the page does not read them again
    from app.indicator_sections import indicator_rows
    from hiap_geo.views import indicators

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indicators, "source_rows", lambda *args: pytest.fail(f"read again: {args}"))
        for indicator_id in (indicators.DEFAULT_INDICATOR, "hi_cancer"):
            assert not indicator_rows((settings.DEFAULT_DISTRICT,), indicator_id).empty
    # its own warnings (in bare mode Streamlit warns that it has no runtime for the cached loaders)
    assert not any(r.levelname == "WARNING" and r.name.startswith("hiap_geo") for r in caplog.records)


def test_no_server_holds_englands_2019_layers_whole() -> None:
    """About 140 MB in every server for the Plan page's 2019 plans alone: their districts' rows are read alone."""
    from app.loaders import held_whole
    from app.warm_up import editions_to_read
    from hiap_geo.core.editions import IOD2019, IOD2025

    assert editions_to_read("england") == (IOD2025,)
    assert editions_to_read("kent") == (IOD2025, IOD2019)
    assert not held_whole("england", 2019)
    assert held_whole("england", 2025) and held_whole("kent", 2019) and held_whole("kent", 2025)


@pytest.mark.integration
@pytest.mark.parametrize("level", ["lsoa", "ward", "district"])
@pytest.mark.parametrize("year", [2019, 2025])
def test_a_districts_areas_read_alone_from_the_file_are_those_of_the_whole_layer(
        kent: str, level: str, year: int) -> None:
    from hiap_geo.geo.layers import load_layer
    from hiap_geo.views.explorer import areas_of, read_areas

    for districts in [("E07000116",), ("E07000111", "E07000116"), ("E06000001",)]:  # the last has no Kent areas
        alone = read_areas(kent, level, year, districts)
        whole = areas_of(load_layer(kent, level, year), level, year, districts)
        assert len(alone) == len(whole) and (len(whole) > 0) == (districts != ("E06000001",))
        pd.testing.assert_frame_equal(alone, whole.reset_index(drop=True))
        assert alone.crs == whole.crs


@pytest.mark.integration
def test_the_warm_up_places_the_default_districts_plan_so_the_plan_page_does_not(
        kent: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app import warm_up
    from app.plan_data import reach_of
    from hiap_geo.views import plan as plan_view

    monkeypatch.setenv("HIAP_PROGRESS_DB", f"sqlite:///{tmp_path / 'progress.sqlite'}")
    reach_of.clear()  # placed by the warm-up, not by a test before this one
    warm_up._import_all()
    monkeypatch.setattr(plan_view, "plan_reach", lambda plan: pytest.fail(f"{plan.id} placed again"))
    choice = plan_view.choice_for(plan_view.plan_choices(), None, (settings.DEFAULT_DISTRICT,))
    assert choice == "file:tunbridge-wells-2023-25.yaml"
    assert not reach_of(*plan_view.plan_text(choice)).lsoa.empty  # the warm-up's cache entry


@pytest.mark.integration
def test_after_the_warm_up_what_the_server_holds_is_out_of_the_collectors_sight(kent: str) -> None:
    """A full collection walked every table and layer held (100-200 ms at random moments of a page's run). In a
    process of its own: freezing is for a server's life."""
    code = ("import gc; from app import warm_up; before = gc.get_freeze_count(); warm_up._warm_up(); "
            "print(before, gc.get_freeze_count())")
    before, after = map(int, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                            cwd=settings.PROJECT_ROOT).stdout.split())
    assert before == 0 and after > 100_000
