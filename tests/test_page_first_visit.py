"""What the Map explorer, Targeting and Plan editor pages load and compute on a first visit (issue 25: a first
visit within 1.5x the floor page's; benchmarks/README.md has the figures): only what their first paint shows."""

from __future__ import annotations

import subprocess
import sys

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

    for read in (lookups.ward_lookup, lookups.lsoa_crosswalk, lookups.district_regions):
        read.cache_clear()
    with caplog.at_level("INFO", logger="hiap_geo.app.warm_up"):
        warm_up._import_all()
    assert "hiap_geo.views.targeting" in sys.modules and "hiap_geo.views.indicators" in sys.modules
    assert lookups.ward_lookup.cache_info().currsize == 2  # both editions'
    assert lookups.lsoa_crosswalk.cache_info().currsize == lookups.district_regions.cache_info().currsize == 1
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


def test_the_warm_up_leaves_englands_2019_layers_to_the_page_that_needs_them() -> None:
    """Every server would hold them (about thirty times Kent's 16 MB) for the Plan page's 2019 plans alone."""
    from app.warm_up import editions_to_read
    from hiap_geo.core.editions import IOD2019, IOD2025

    assert editions_to_read("england") == (IOD2025,)
    assert editions_to_read("kent") == (IOD2025, IOD2019)
