"""The map in words (issue 26): what a map shows and its worst areas by name, from the frame the map is drawn from;
and the accessibility statement's content."""

from __future__ import annotations

import pandas as pd

from hiap_geo.geo.measures import measure
from hiap_geo.views.accessibility import markdown, statement
from hiap_geo.views.map_text import NAMES_LISTED, level_plural, level_singular, map_text, place_of


def frame(values: list[float | None], district: str = "Tunbridge Wells") -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"code": [f"E0102{i:04d}" for i in range(n)], "name": [f"Area {i:03d}A" for i in range(n)],
                         "ward": ["Sherwood"] * n, "district": [district] * n, "value": values})


def test_a_decile_map_names_the_areas_in_deciles_1_and_2_and_counts_the_grey_ones() -> None:
    text = map_text(frame([2, 5, 1, None, 10]), measure("lsoa", "imd", "decile"), "LSOAs")
    assert text.summary == ("The map shows Index of Multiple Deprivation: national decile for 5 LSOAs in Tunbridge "
                            "Wells (1 in grey: no data).")
    assert text.count == "2 areas are in deciles 1 and 2 (the most deprived 20% in England)."
    assert text.names == "Area 002A (Sherwood), Area 000A (Sherwood)"  # decile 1 first
    assert text.full.endswith("in England): Area 002A (Sherwood), Area 000A (Sherwood).")
    assert "Area 002A" not in text.announcement  # the live region is short: no list of names


def test_no_area_in_the_worst_deciles_is_said_so() -> None:
    text = map_text(frame([5, 6]), measure("lsoa", "imd", "decile", local=True), "LSOAs")
    assert text.full.endswith("No area is in deciles 1 or 2 (the most deprived 20% of the district, by the local cut).")


def test_long_lists_stop_and_say_how_many_more() -> None:
    text = map_text(frame([1] * (NAMES_LISTED + 5)), measure("lsoa", "imd", "decile"), "LSOAs")
    assert text.names.endswith(" and 5 more") and text.names.count("(Sherwood)") == NAMES_LISTED


def test_ranks_and_scores_name_the_worst_tenth_at_the_right_end() -> None:
    ranks = map_text(frame([float(v) for v in range(100, 0, -5)]), measure("lsoa", "imd", "rank"), "LSOAs")
    assert ranks.count == "2 areas are at the most deprived end (the tenth of those shown)."
    assert ranks.names == "Area 019A (Sherwood), Area 018A (Sherwood)"  # ranks 5 and 10: 1 = most deprived
    scores = map_text(frame([float(v) for v in range(20)]), measure("lsoa", "imd", "score"), "LSOAs")
    assert scores.names == "Area 019A (Sherwood), Area 018A (Sherwood)"  # the highest scores


def test_one_area_is_one_area_and_is_not_ranked() -> None:
    text = map_text(frame([12.5]), measure("lsoa", "imd", "score"), "districts")
    assert text.summary == "The map shows Index of Multiple Deprivation: score for 1 district in Tunbridge Wells."
    assert text.count == "One area has a value, so none is ranked against another." and text.names == ""


def test_a_change_map_names_the_areas_that_became_more_deprived() -> None:
    text = map_text(frame([0, -1, 2, -3]), measure("lsoa", "imd_change", "decile"), "LSOAs")
    assert text.count.startswith("2 areas are in a more deprived decile than in 2019")
    assert text.names == "Area 003A (Sherwood), Area 001A (Sherwood)"


def test_the_place_is_named_from_the_districts() -> None:
    assert place_of(pd.concat([frame([1], "Sevenoaks"), frame([1], "Tunbridge Wells")])) == \
        "Sevenoaks and Tunbridge Wells"
    assert place_of(pd.concat([frame([1], f"D{i}") for i in range(5)])) == "5 districts"


def test_the_statement_says_what_does_not_conform_and_how_to_report() -> None:
    text = markdown(statement(contact="accessibility@example.gov.uk"))
    assert "partially compliant" in text and "WCAG) version 2.2, level AA" in text
    assert "## What does not yet conform, and why" in text and "not tagged" in text  # the PDFs, honestly
    assert "<accessibility@example.gov.uk>" in text
    assert "HIAP_ACCESSIBILITY_CONTACT" in markdown(statement(contact=""))  # no contact set: how to set one


def test_better_similar_worse_are_counted_in_words_and_the_worse_named() -> None:
    from hiap_geo.views.indicators import comparison_measure

    chosen = comparison_measure("Obesity", "low_is_good", "england", "95")
    worse, similar = chosen.categories[0][0], chosen.categories[1][0]
    text = map_text(frame([worse, similar, worse]), chosen, "wards")
    assert text.full.endswith("Worse (95%): 2; Similar: 1; Better (95%): 0; Not compared: 0. "
                              "Worse (95%): Area 000A (Sherwood), Area 002A (Sherwood).")


def test_a_sentence_names_each_level_as_people_write_it() -> None:
    assert [level_plural(level) for level in ("lsoa", "msoa", "ward", "district")] == [
        "LSOAs", "MSOAs", "wards", "districts"]
    assert level_singular("ward") == "ward" and level_singular("lsoa") == "LSOA"
