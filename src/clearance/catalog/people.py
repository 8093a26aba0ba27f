"""Who is who: finding or creating a :class:`~clearance.storage.models.Person`.

A person is identified by name and date of birth, but most sources (the Netflix CSV) give only a
name. The database's unique constraint on ``(name, date_of_birth)`` cannot stop duplicate
undated people (SQL treats NULLs as distinct), so matching is done here, with one rule:

* **no date of birth given**: the undated person of that name if there is one, else the only
  person of that name; otherwise a new undated person.
* **date of birth given**: the person with that name and date; else the undated person of that
  name, who *gets* the date (this is how a curated catalog adds dates of birth to people an
  earlier import created from a cast list); otherwise a new person.

:class:`PersonIndex` applies the same rule from memory during a bulk import, so importing
thousands of cast lists neither queries nor flushes the database for every name. It is explicit
state, passed in by the caller, never a global.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from clearance.storage.models import Person


class Outcome(StrEnum):
    """What an upsert did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


K = TypeVar("K")

#: A person during an import: a stored id, or a new :class:`Person` not yet flushed.
PersonRef = Person | int


def choose(
    candidates: Sequence[tuple[K, dt.date | None]], date_of_birth: dt.date | None
) -> tuple[K | None, bool]:
    """Apply the matching rule: ``(the person, or None to create one, whether to set the date)``."""
    undated = [key for key, dob in candidates if dob is None]
    if date_of_birth is None:
        if undated:
            return undated[0], False
        if len(candidates) == 1:
            return candidates[0][0], False
        return None, False
    for key, dob in candidates:
        if dob == date_of_birth:
            return key, False
    if undated:
        return undated[0], True
    return None, False


def clean_name(name: str) -> str:
    return " ".join(name.split())


def upsert_person(
    session: Session, name: str, date_of_birth: dt.date | None = None
) -> tuple[Person, Outcome]:
    """The person ``name`` (born ``date_of_birth``), created or given the date if needed."""
    name = clean_name(name)
    people = session.scalars(select(Person).where(Person.name == name).order_by(Person.id)).all()
    person, set_date = choose([(p, p.date_of_birth) for p in people], date_of_birth)
    if person is None:
        person = Person(name=name, date_of_birth=date_of_birth)
        session.add(person)
        return person, Outcome.CREATED
    if set_date:
        person.date_of_birth = date_of_birth
        return person, Outcome.UPDATED
    return person, Outcome.UNCHANGED


@dataclass(slots=True)
class PersonIndex:
    """In-memory ``name -> [(person, date of birth)]`` for one import, kept in step with the DB.

    Changes made while importing one record are *pending* until :meth:`keep` (the record's
    savepoint was released, so new people have ids) or :meth:`drop` (it was rolled back), so a
    failed record never leaves people in the index that the database does not have.
    """

    by_name: dict[str, list[tuple[PersonRef, dt.date | None]]] = field(default_factory=dict)
    _pending: list[tuple[str, PersonRef, dt.date | None, bool]] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session) -> PersonIndex:
        index = cls()
        rows = session.execute(
            select(Person.id, Person.name, Person.date_of_birth).order_by(Person.id)
        )
        for pid, name, dob in rows:
            index.by_name.setdefault(name, []).append((pid, dob))
        return index

    def resolve(
        self, session: Session, name: str, date_of_birth: dt.date | None = None
    ) -> tuple[PersonRef, Outcome]:
        """Like :func:`upsert_person`, from memory; a new person is added but not flushed."""
        name = clean_name(name)
        entries = self.by_name.setdefault(name, [])
        ref, set_date = choose(entries, date_of_birth)
        if ref is None:
            person = Person(name=name, date_of_birth=date_of_birth)
            session.add(person)
            entries.append((person, date_of_birth))
            self._pending.append((name, person, date_of_birth, True))
            return person, Outcome.CREATED
        if not set_date:
            return ref, Outcome.UNCHANGED
        if isinstance(ref, Person):
            ref.date_of_birth = date_of_birth
        else:
            session.execute(
                update(Person).where(Person.id == ref).values(date_of_birth=date_of_birth)
            )
        entries[entries.index((ref, None))] = (ref, date_of_birth)
        self._pending.append((name, ref, date_of_birth, False))
        return ref, Outcome.UPDATED

    def resolve_ids(
        self, session: Session, wanted: Iterable[tuple[str, dt.date | None]]
    ) -> tuple[dict[tuple[str, dt.date | None], int], int, int]:
        """Ids for many ``(name, date of birth)`` at once, creating people in one INSERT.

        Returns ``(ids by the given key, people created, people dated)``. Used by the bulk
        import path; the same matching rule as :meth:`resolve`.
        """
        result: dict[tuple[str, dt.date | None], PersonRef] = {}
        new_ids: list[int] = []
        to_create: list[tuple[str, dt.date | None]] = []
        updated = 0
        for name, dob in dict.fromkeys((clean_name(n), d) for n, d in wanted):
            entries = self.by_name.setdefault(name, [])
            ref, set_date = choose(entries, dob)
            if ref is None:
                # A negative number stands for the n-th person to create, until it has an id.
                ref = -1 - len(to_create)
                to_create.append((name, dob))
                entries.append((ref, dob))
            elif set_date and isinstance(ref, int) and ref < 0:
                to_create[-1 - ref] = (name, dob)  # created in this call: create it dated
                entries[entries.index((ref, None))] = (ref, dob)
            elif set_date:
                if isinstance(ref, Person):
                    ref.date_of_birth = dob
                else:
                    session.execute(
                        update(Person).where(Person.id == ref).values(date_of_birth=dob)
                    )
                entries[entries.index((ref, None))] = (ref, dob)
                self._pending.append((name, ref, dob, False))
                updated += 1
            result[(name, dob)] = ref
        if to_create:
            statement = insert(Person).returning(Person.id, sort_by_parameter_order=True)
            rows = [{"name": name, "date_of_birth": dob} for name, dob in to_create]
            new_ids = list(session.scalars(statement, rows))
            for n, ((name, dob), pid) in enumerate(zip(to_create, new_ids, strict=True)):
                entries = self.by_name[name]
                entries[entries.index((-1 - n, dob))] = (pid, dob)
                self._pending.append((name, pid, dob, True))
        ids: dict[tuple[str, dt.date | None], int] = {}
        for key, ref in result.items():
            if isinstance(ref, Person):
                if ref.id is None:
                    session.flush([ref])
                ids[key] = ref.id
            else:
                ids[key] = new_ids[-1 - ref] if ref < 0 else ref
        return ids, len(to_create), updated

    def _position(self, name: str, ref: PersonRef) -> int | None:
        for position, (candidate, _) in enumerate(self.by_name.get(name, [])):
            if candidate is ref or (type(candidate) is int and candidate == ref):
                return position
        return None

    def keep(self) -> None:
        """The record was written: new people now have ids, so remember ids, not objects."""
        for name, ref, _, is_new in self._pending:
            position = self._position(name, ref)
            if is_new and isinstance(ref, Person) and ref.id is not None and position is not None:
                self.by_name[name][position] = (ref.id, self.by_name[name][position][1])
        self._pending.clear()

    def drop(self) -> None:
        """The record was rolled back: forget the people it added and the dates it set."""
        for name, ref, _, is_new in reversed(self._pending):
            position = self._position(name, ref)
            if position is None:
                continue
            if is_new:
                del self.by_name[name][position]
            else:
                self.by_name[name][position] = (ref, None)
        self._pending.clear()
