"""Fast path for importing titles that are not in the catalog yet: multi-row INSERTs.

Building one ORM object per title, name, credit, asset and version is the slow part of a large
first import (the Netflix file has ~140,000 of them). For titles that do not exist yet nothing
needs comparing, so :func:`insert_new_titles` writes them with a handful of multi-row
``INSERT`` statements per batch. It stores exactly what :func:`~clearance.catalog.records.
apply_title_record` would (a test checks that); the importer falls back to that per-title path,
one savepoint per title, whenever a batch fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from clearance.catalog.people import Outcome, PersonIndex, clean_name
from clearance.catalog.records import Applied, PersonRecord, TitleRecord
from clearance.identifiers import check_identifier
from clearance.storage.blobs import BlobStore
from clearance.storage.models import (
    Asset,
    AssetVersion,
    Credit,
    Title,
    TitleName,
    VersionPerson,
    utcnow,
)


def _key(person: PersonRecord) -> tuple[str, Any]:
    return clean_name(person.name), person.date_of_birth


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def insert_new_titles(
    session: Session,
    blobs: BlobStore,
    records: Sequence[TitleRecord],
    *,
    created_by: str,
    people: PersonIndex,
) -> Applied:
    """Insert titles known not to exist (no commit); the counts are for the whole batch."""
    applied = Applied(Outcome.CREATED)
    if not records:
        return applied
    for r in records:  # the readers checked them; this is the write path's own guard
        check_identifier(r.id, "title id")
        for a in r.assets:
            check_identifier(a.locale, "locale")
            check_identifier(a.channel, "channel")
    wanted = [_key(c.person) for r in records for c in r.credits]
    wanted += [_key(p) for r in records for a in r.assets for v in a.versions for p in v.depicted]
    ids, applied.people_created, applied.people_updated = people.resolve_ids(session, wanted)
    now = utcnow()
    session.execute(
        insert(Title),
        [
            {
                "id": r.id,
                "original_title": r.original_title,
                "type": r.type,
                "rating": r.rating,
                "audience": r.audience,
                "release_year": r.release_year,
                "genres": list(r.genres or ()),
                "countries": list(r.countries or ()),
                "created_at": now,
                "updated_at": now,
            }
            for r in records
        ],
    )
    names: dict[tuple[str, str, str, str], None] = {}
    credits: dict[tuple[str, int, str], str | None] = {}
    for r in records:
        for n in r.names:
            names.setdefault((r.id, n.kind, n.locale or "", n.text))
        for c in r.credits:
            key = (r.id, ids[_key(c.person)], c.role)
            if credits.get(key) is None:
                credits[key] = c.character
    if names:
        session.execute(
            insert(TitleName),
            [{"title_id": t, "kind": k, "locale": loc, "text": x} for t, k, loc, x in names],
        )
    if credits:
        session.execute(
            insert(Credit),
            [
                {"title_id": t, "person_id": p, "role": role, "character": ch}
                for (t, p, role), ch in credits.items()
            ],
        )
    _insert_assets(session, blobs, records, ids, created_by, now)
    return applied


def _insert_assets(
    session: Session,
    blobs: BlobStore,
    records: Sequence[TitleRecord],
    ids: dict[tuple[str, Any], int],
    created_by: str,
    now: Any,
) -> None:
    assets: dict[tuple[str, str, str, str], list[Any]] = {}
    for r in records:
        for a in r.assets:
            assets.setdefault((r.id, a.kind, a.locale, a.channel), []).extend(a.versions)
    asset_ids = _insert_returning_ids(
        session,
        Asset,
        [
            {"title_id": t, "kind": k, "locale": loc, "channel": ch, "created_at": now}
            for t, k, loc, ch in assets
        ],
    )
    version_rows: list[dict[str, Any]] = []
    depicted: list[list[int]] = []
    for asset_id, versions in zip(asset_ids, assets.values(), strict=True):
        seen: dict[str, int] = {}
        for v in versions:
            sha = blobs.put(v.content)
            people = [ids[_key(p)] for p in v.depicted]
            if sha in seen:
                extra = depicted[seen[sha]]
                extra.extend(p for p in people if p not in extra)
                continue
            seen[sha] = len(version_rows)
            version_rows.append(
                {
                    "asset_id": asset_id,
                    "number": len(seen),
                    "content_sha256": sha,
                    "content_type": v.content_type,
                    "size_bytes": len(v.content),
                    "created_by": v.created_by or created_by,
                    "created_at": now,
                    "shoot_date": v.shoot_date,
                }
            )
            depicted.append(list(dict.fromkeys(people)))
    version_ids = _insert_returning_ids(session, AssetVersion, version_rows)
    links = [
        {"version_id": vid, "person_id": pid}
        for vid, pids in zip(version_ids, depicted, strict=True)
        for pid in pids
    ]
    if links:
        session.execute(insert(VersionPerson), links)
