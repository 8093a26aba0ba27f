"""The Clearance catalog format as pydantic models (see ``docs/catalog-format.md``).

These are the *entries* of a catalog file, validated one person or title at a time by
:mod:`clearance.catalog.catalog_file`. Unknown fields are refused (they are usually typos), and
lengths follow the database columns so SQLite and PostgreSQL accept the same files.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from clearance.catalog.records import MAX_LENGTH
from clearance.identifiers import IDENTIFIER_CHECK

FORMAT: Final = "clearance-catalog/1"
_LOCALE_RE: Final = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
#: An id people read (title ids, channels): no invisible, format or look-alike characters.
Id = Annotated[Text, IDENTIFIER_CHECK]
Locale = Annotated[str, StringConstraints(strip_whitespace=True, pattern=_LOCALE_RE, max_length=35)]
PersonName = Annotated[Text, StringConstraints(max_length=MAX_LENGTH["person"])]
Year = Annotated[int, Field(ge=1870, le=2100)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonEntry(_Entry):
    name: PersonName
    date_of_birth: dt.date | None = None
    #: Handle used by credits and ``depicted`` in this file; defaults to the name.
    ref: Text | None = None


class CreditEntry(_Entry):
    person: Text
    role: Literal["cast", "director", "crew"]
    character: Annotated[Text, StringConstraints(max_length=MAX_LENGTH["person"])] | None = None


class VersionEntry(_Entry):
    text: str | None = None
    file: Text | None = None
    content_type: (
        Annotated[Text, StringConstraints(max_length=MAX_LENGTH["content_type"])] | None
    ) = None
    created_by: Annotated[Text, StringConstraints(max_length=MAX_LENGTH["created_by"])] | None = (
        None
    )
    shoot_date: dt.date | None = None
    depicted: list[Text] = []

    @model_validator(mode="after")
    def _one_content(self) -> VersionEntry:
        if (self.text is None) == (self.file is None):
            raise ValueError("give exactly one of 'text' (inline) or 'file' (a path)")
        if self.text is not None and not self.text.strip():
            raise ValueError("'text' is empty")
        return self


class AssetEntry(_Entry):
    kind: Literal["key_art", "thumbnail", "still", "synopsis", "tagline", "title_text"]
    locale: Locale = "und"
    channel: Annotated[Id, StringConstraints(max_length=MAX_LENGTH["channel"])] = "catalog"
    versions: list[VersionEntry] = []


class TitleEntry(_Entry):
    id: Annotated[Id, StringConstraints(max_length=MAX_LENGTH["id"])]
    original_title: Annotated[Text, StringConstraints(max_length=MAX_LENGTH["title"])]
    type: Literal["movie", "series"]
    rating: Annotated[Text, StringConstraints(max_length=MAX_LENGTH["rating"])] | None = None
    audience: Annotated[Text, StringConstraints(max_length=MAX_LENGTH["audience"])] | None = None
    release_year: Year | None = None
    genres: list[Text] | None = None
    countries: list[Text] | None = None
    localised_titles: dict[
        Locale, Annotated[Text, StringConstraints(max_length=MAX_LENGTH["name"])]
    ] = {}
    aliases: list[Annotated[Text, StringConstraints(max_length=MAX_LENGTH["name"])]] = []
    hashtags: list[
        Annotated[str, StringConstraints(pattern=r"^#?[^\s#]+$", max_length=MAX_LENGTH["name"])]
    ] = []
    #: The title's official accounts (``@CutiesFilm``), for the monitor's linking.
    handles: list[
        Annotated[str, StringConstraints(pattern=r"^@?[A-Za-z0-9_.-]{1,100}$")]
    ] = []
    credits: list[CreditEntry] = []
    assets: list[AssetEntry] = []


class CatalogDocument(_Entry):
    format: Literal["clearance-catalog/1"] = FORMAT
    people: list[Any] = []
    titles: list[Any] = []
