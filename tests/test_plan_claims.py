"""Every figure a plan document states, checked against the IoD of the plan's edition (``plan check``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiap_geo.cli import main
from hiap_geo.plans.check import check_plan_claims
from hiap_geo.plans.figures.claims import check_claims, claims_frame, figures_for_plan
from hiap_geo.plans.figures.frames import expand
from hiap_geo.plans.figures.load import FIGURES_DIR, load_figures, parse_figures
from hiap_geo.plans.figures.schema import PlanFiguresFileError
from hiap_geo.plans.schema import PLANS_DIR

PLANS = ["tunbridge-wells-2023-25", "sevenoaks-mind-the-gap-2013-15", "sevenoaks-2019-22"]


@pytest.mark.parametrize("plan_id", PLANS)
def test_every_stated_figure_of_each_plan_is_listed_with_verdict_quote_and_line(real_data: Path, plan_id: str) -> None:
    title, claims = check_plan_claims(PLANS_DIR / f"{plan_id}.yaml")
    figures = figures_for_plan(plan_id)
    assert figures is not None and title == figures.document.title
    stated = expand(figures)
    assert len(claims) == len(stated) > 0
    assert [c.figure_id for c in claims] == [s.figure_id for s in stated]
    for claim, figure in zip(claims, stated, strict=True):
        assert claim.verdict in ("agrees", "differs", "cannot check")
        assert claim.quote == figure.quote and claim.line == figure.line > 0
        assert claim.data  # the data's figure, or why it cannot check
    frame = claims_frame(claims)
    assert frame[["verdict", "line", "quote", "data"]].notna().all().all()


def test_tunbridge_wells_claims_against_imd_2019(real_data: Path) -> None:
    _, claims = check_plan_claims(PLANS_DIR / "tunbridge-wells-2023-25.yaml")
    by_line = {c.line: c for c in claims}
    top_half = by_line[21]  # "70% of the boroughs LSOAs are in the top half"
    assert top_half.verdict == "differs"
    assert top_half.data.startswith("58 of the area's 68 LSOAs (85.3%) are in Index of Multiple Deprivation 2019 "
                                    "deciles 6-10")
    for line in (25, 27, 29, 31, 35):
        assert by_line[line].verdict == "agrees", by_line[line]
    assert "decile 2 (rank 5,503 of 32,844" in by_line[35].data
    assert by_line[33].verdict == "cannot check" and "no official code" in by_line[33].data


def test_sevenoaks_claims(real_data: Path) -> None:
    _, claims = check_plan_claims(PLANS_DIR / "sevenoaks-mind-the-gap-2013-15.yaml")
    six = [c for c in claims if c.line == 117]  # "Six out of the 74 ...": a 2013 claim, not an IoD 2019 one
    assert len(six) == 1 and six[0].verdict == "cannot check"
    assert six[0].data.startswith("the document (2013/15) predates IoD 2019, the oldest edition in HIAP Geo's data")
    assert {c.verdict for c in claims} == {"cannot check"}
    neet = next(c for c in claims if "NEET" in c.indicator)
    assert "no such figure in HIAP Geo's data" in neet.data
    _, later = check_plan_claims(PLANS_DIR / "sevenoaks-2019-22.yaml")
    assert {c.verdict for c in later} == {"cannot check"}


def test_a_claim_is_compared_only_with_the_edition_its_document_used(real_data: Path) -> None:
    kent = load_figures(FIGURES_DIR / "kent-hiap-2012-15.yaml")  # 2012: IoD 2010, not in the data
    barriers = [c for c in check_claims(kent, 2019) if c.line == 515]
    assert [(c.stated, c.verdict) for c in barriers] == [("20.5%", "cannot check"), ("181 small areas", "cannot check")]
    assert "predates IoD 2019" in barriers[0].data and "IoD 2015 or 2010" in barriers[0].data
    tunbridge_wells = figures_for_plan("tunbridge-wells-2023-25")
    assert tunbridge_wells is not None
    against_2025 = {c.line: c for c in check_claims(tunbridge_wells, 2025)}
    assert against_2025[21].verdict == "cannot check"
    assert "used IoD 2019, not IoD 2025" in against_2025[21].data


def test_a_claim_rule_needs_its_deciles() -> None:
    text = (FIGURES_DIR / "tunbridge-wells-2023-25.yaml").read_text(encoding="utf-8")
    bad = text.replace("check: {statistic: lsoa_share, deciles: [6, 10],", "check: {statistic: lsoa_share,")
    with pytest.raises(PlanFiguresFileError, match="needs 'deciles'"):
        parse_figures(bad)


def test_cli_lists_the_claims(real_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "check", str(PLANS_DIR / "tunbridge-wells-2023-25.yaml")]) == 1
    out = capsys.readouterr().out
    assert "line 21: LSOAs in the top half, the boroughs (E07000116) - differs" in out
    assert 'quote:  "E01024840 - Sherwood 2nd"' in out
    assert "7 figures stated in Health Inequalities Action Plan 2023-25 (Tunbridge Wells): 5 agree" in out
    assert main(["plan", "check", str(PLANS_DIR / "sevenoaks-2019-22.yaml")]) == 0
    assert "22 figures stated" in capsys.readouterr().out
