"""What the linker needs of the catalog, read in a few queries (:func:`names_from_catalog`).

Every copy version (synopses, taglines, title texts) is read, withdrawn ones included: people quote
the version that upset them, which is often the one taken down since. Copy content lives in the
blob store; without one (``blobs=None``) the linker links by names, tags, handles and cast only.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import StorageError
from clearance.monitor.linking import CatalogNames, Linker
from clearance.storage.blobs import BlobStore
from clearance.storage.models import Asset, AssetVersion, Credit, Person, Title, TitleName

log = logging.getLogger(__name__)
COPY_KINDS = ("synopsis", "tagline", "title_text")


def names_from_catalog(session: Session, blobs: BlobStore | None = None,
                       title_ids: list[str] | None = None) -> list[CatalogNames]:
    """One :class:`CatalogNames` per title (or per title of ``title_ids``)."""
    titles = select(Title.id, Title.original_title)
    if title_ids is not None:
        titles = titles.where(Title.id.in_(title_ids))
    names: dict[str, list[str]] = defaultdict(list)
    tags: dict[str, list[str]] = defaultdict(list)
    handles: dict[str, list[str]] = defaultdict(list)
    cast: dict[str, list[str]] = defaultdict(list)
    copy: dict[str, list[tuple[int, str]]] = defaultdict(list)
    ids = []
    for tid, original in session.execute(titles):
        ids.append(tid)
        names[tid].append(original)
    wanted = set(ids)
    for tid, kind, text in session.execute(select(TitleName.title_id, TitleName.kind,
                                                  TitleName.text)):
        if tid not in wanted:
            continue
        {"hashtag": tags, "handle": handles}.get(kind, names)[tid].append(text)
    for tid, person in session.execute(select(Credit.title_id, Person.name)
                                       .join(Person, Person.id == Credit.person_id)
                                       .where(Credit.role == "cast")):
        if tid in wanted:
            cast[tid].append(person)
    if blobs is not None:
        rows = session.execute(select(Asset.title_id, AssetVersion.id,
                                      AssetVersion.content_sha256)
                               .join(AssetVersion, AssetVersion.asset_id == Asset.id)
                               .where(Asset.kind.in_(COPY_KINDS)))
        for tid, version_id, sha in rows:
            if tid not in wanted:
                continue
            try:
                copy[tid].append((version_id, blobs.get(sha).decode("utf-8", "replace")))
            except (StorageError, OSError) as exc:
                log.warning("copy version %s left out of linking: %s", version_id, exc)
    return [CatalogNames(tid, tuple(names[tid]), tuple(tags[tid]), tuple(handles[tid]),
                         tuple(cast[tid]), tuple(copy[tid])) for tid in ids]


def linker_from_catalog(session: Session, blobs: BlobStore | None = None, *,
                        service_names: tuple[str, ...] = ()) -> Linker:
    return Linker(names_from_catalog(session, blobs), service_names=service_names)
