"""Bounded numbers for every path, query, form and body field of the service.

An integer field with no upper bound reached the database as it came: ``offset=2**63`` made
SQLite's driver overflow, a 20-digit id made PostgreSQL refuse an ``integer`` comparison, and
``older_than_hours=1e308`` (or ``inf``) overflowed ``timedelta`` -- each one a 500 (issue 10,
item 11). Every number the service takes from a request is now one of the types below, so the
request is refused with 422 naming the field before any of that runs;
``tests/test_security_numbers.py`` walks every route of the app and fails on an integer or float
field without an upper bound, so a new route cannot bring the class back.

Ids are rows' ``Integer`` keys: on PostgreSQL a 32-bit ``integer``, so :data:`MAX_ID` is
``2**31 - 1`` on both databases.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Path, Query
from pydantic import BeforeValidator, Field
from starlette.convertors import Convertor, register_url_convertor

from clearance.errors import InputError

#: The largest row id (PostgreSQL's ``integer``; SQLite's would be 2**63 - 1).
MAX_ID: Final = 2**31 - 1
#: The farthest a listing may be paged (no table holds 2**31 rows).
MAX_OFFSET: Final = 2**31 - 1
#: The oldest an ``older than`` filter may reach back: a century, in hours.
MAX_HOURS: Final = 24 * 366 * 100

#: A row id in a path (``/items/{item_id}``): 1 .. :data:`MAX_ID`.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A row id in a query string, 0 meaning none (``?revealed=``).
IdQuery = Annotated[int, Query(ge=0, le=MAX_ID)]
#: An optional row id in a query string (``?before=``, ``?since=``).
OptionalIdQuery = Annotated[int | None, Query(ge=0, le=MAX_ID)]
#: How far into a listing a page starts.
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
#: A 0/1 switch in a query string (``?removed=1``).
Flag = Annotated[int, Query(ge=0, le=1)]
#: Hours, finite, within a century.
Hours = Annotated[float | None, Query(ge=0, le=MAX_HOURS, allow_inf_nan=False)]


def _integral(value: Any) -> Any:
    """JSON's ``61.0`` is the integer 61 (JSON Schema says so too); anything else as it came,
    for the strict integer check to judge (``"61"``, ``true`` and ``61.5`` are refused)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: A row id in a JSON body: an integral number (never a string or boolean), 1 .. MAX_ID. (The
#: bounds come before the validator, so that the JSON schema states them.)
BodyId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_integral)]
#: A match distance in bits of a 256-bit hash.
BodyDistance = Annotated[int, Field(ge=0, le=256), BeforeValidator(_integral)]
#: Days until an API token expires (at most ten years).
BodyDays = Annotated[int, Field(gt=0, le=3650), BeforeValidator(_integral)]

#: The word a bank may not be called: ``/api/banks/match`` is the route that matches a file.
RESERVED_BANK_NAMES: Final = ("match",)
#: A bank name, as the ``{name:bank}`` path segment and ``BankCreate.name`` take it.
BANK_NAME_PATTERN: Final = r"(?!(?:match)(?:/|$))[a-z0-9][a-z0-9_.-]{0,63}"


class BankNameConvertor(Convertor[str]):
    """``{name:bank}``: a path segment that can be a bank's name. ``PATCH /api/banks/match``
    then finds no route (405 naming ``POST``) instead of the bank named ``match``."""

    regex = BANK_NAME_PATTERN

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("bank", BankNameConvertor())


def parse_id(text: str, field: str) -> int:
    """An id typed into a form or a comma-separated list: ASCII digits, 1 .. :data:`MAX_ID`;
    :class:`InputError` naming ``field`` otherwise."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        raise InputError(f"{field}: {text!r} is not an id (a whole number from 1 to {MAX_ID})")
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise InputError(f"{field}: {text!r} is not an id (a whole number from 1 to {MAX_ID})")
    return number


def parse_hours(text: str | None, field: str) -> float | None:
    """Hours typed into a filter form (empty: none): finite, 0 .. :data:`MAX_HOURS`;
    :class:`InputError` naming ``field`` otherwise."""
    if text is None or not text.strip():
        return None
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= MAX_HOURS:  # also false for nan
        raise InputError(f"{field}: {text!r} is not a number of hours from 0 to {MAX_HOURS}")
    return hours
