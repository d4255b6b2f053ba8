"""Figures the plan documents themselves state, transcribed into ``data/plan_figures/*.yaml``.

The plans give numbers about their areas ("Sevenoaks has the highest percentage of young people
NEETS ... in the county at 9.7%"), comparisons ("significantly worse than the England average"),
ranks ("the second lowest ... in the County") and whole tables (the Kent 2012-15 "local profile"
significance tables). Each file (format in ``data/plan_figures/README.md``) transcribes one document.

- ``schema``: the file format (errors, models);
- ``load``: reading and validating files (errors name the file, line and field);
- ``frames``: one record per figure, ``figures_frame`` and the long format (``to_indicators``);
- ``check``: the files checked against the official lookups and the documents' text.

Nothing here is recomputed or corrected: a figure is what the document says, with its words.
"""
