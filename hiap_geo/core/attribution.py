"""Attribution text that every map and export carries (OGL v3 and ONS / OS boundaries)."""

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
ONS_BOUNDARIES = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data (c) Crown copyright and database right 2024."
)
MYSOCIETY = "IMD 2019 scores via mySociety composite UK IMD (CC BY 4.0)."


def full_attribution() -> str:
    """The attribution block for a map or an export."""
    return " ".join([OGL, ONS_BOUNDARIES, MYSOCIETY])


MAP_CREDIT = "Contains OS data (c) Crown copyright and database right 2024; ONS, MHCLG data: OGL v3.0"
"""Short credit for the map's own attribution line; the page or export carries the full text."""
