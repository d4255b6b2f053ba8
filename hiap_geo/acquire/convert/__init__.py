"""Converters from each publisher's official files to the canonical tables, one module per publisher."""

from __future__ import annotations

from functools import cache

from hiap_geo.acquire.convert.base import Converter, Part


@cache
def converters() -> dict[str, Converter]:
    """Dataset id -> its converter, for every registry entry that has an official source."""
    from hiap_geo.acquire.convert import commons_library, dwp, mhclg, ons

    return {**mhclg.converters(), **ons.converters(), **dwp.converters(), **commons_library.converters()}


__all__ = ["Converter", "Part", "converters"]
