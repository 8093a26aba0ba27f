"""Public, read-only views of catalog objects (the ``XPublic`` schemas the CLI and API show).

They are frozen pydantic models built from the ORM rows by :mod:`clearance.catalog.queries`, so
callers never hold a live database object. Ages follow one rule, :func:`age_on`: whole years
completed on a date; someone born on 29 February turns a year older on 1 March in common years
(the later, more protective reading for a child-safety check).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

#: Age below which a person is a minor.
ADULT_AGE = 18


def age_on(date_of_birth: dt.date, on_date: dt.date) -> int:
    """Completed years on ``on_date`` (negative if ``on_date`` is before the birth)."""
    had_birthday = (on_date.month, on_date.day) >= (date_of_birth.month, date_of_birth.day)
    return on_date.year - date_of_birth.year - (0 if had_birthday else 1)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class PersonPublic(_View):
    id: int
    name: str
    date_of_birth: dt.date | None = None

    def age_on(self, on_date: dt.date) -> int | None:
        """Age in completed years on ``on_date``; ``None`` when the date of birth is unknown."""
        return age_on(self.date_of_birth, on_date) if self.date_of_birth else None


class CreditPublic(_View):
    person: PersonPublic
    role: str
    character: str | None = None


class TitleNamePublic(_View):
    kind: str
    locale: str | None = None
    text: str


class TitleSummary(_View):
    """One line of ``clearance catalog titles``."""

    id: str
    original_title: str
    type: str
    rating: str | None = None
    release_year: int | None = None


class TitlePublic(_View):
    """A title with its names and credits (people with their dates of birth)."""

    id: str
    original_title: str
    type: str
    rating: str | None = None
    audience: str | None = None
    release_year: int | None = None
    genres: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    names: tuple[TitleNamePublic, ...] = ()
    credits: tuple[CreditPublic, ...] = ()

    def people(self, role: str | None = None) -> tuple[PersonPublic, ...]:
        """The credited people (optionally of one role), each once, in credit order."""
        seen: dict[int, PersonPublic] = {}
        for credit in self.credits:
            if role is None or credit.role == role:
                seen.setdefault(credit.person.id, credit.person)
        return tuple(seen.values())

    def names_of(self, kind: str) -> tuple[str, ...]:
        return tuple(n.text for n in self.names if n.kind == kind)


class AssetVersionPublic(_View):
    """Immutable content of an asset: its SHA-256 key in the blob store and who/when."""

    id: int
    asset_id: int
    #: The version's number within its asset, 1-based ("key_art v2").
    number: int
    content_sha256: str
    content_type: str
    size_bytes: int
    created_by: str
    created_at: dt.datetime
    shoot_date: dt.date | None = None
    depicted: tuple[PersonPublic, ...] = ()

    @property
    def reference_date(self) -> dt.date:
        """The date ages are judged on: the shoot date, else the creation date."""
        return self.shoot_date or self.created_at.date()


class AssetPublic(_View):
    id: int
    title_id: str
    kind: str
    locale: str
    channel: str
    version_count: int
    latest: AssetVersionPublic | None = None


class KnownMinor(_View):
    """A person under :data:`ADULT_AGE` on ``on_date``, and why they are in scope."""

    person: PersonPublic
    age: int
    on_date: dt.date
    #: ``"depicted"`` (recorded in the version) or ``"cast"`` (credited on the title).
    source: str
    character: str | None = None
