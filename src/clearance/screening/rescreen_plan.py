"""Planning a re-screen (step 2 of :mod:`clearance.screening.rescreen`): per title, what each
live version needs, read from the catalog and the findings cache in one session.

Every live version of a selected title is planned — the selected ones (``targets``) to be
decided, the others as their campaign context. Each version gets its cache slots (one per
detector that reads its kind: :meth:`~clearance.screening.screener.Screener.cache_slots`) and the
cached findings found for them. A version with a slot missing becomes a
:class:`~clearance.screening.tasks.ScreenTask` that skips the cached detectors — unless it is an
image or video in context only: screening a picture costs seconds, so, as in
:mod:`clearance.screening.campaign`, its latest screening's findings stand in for it (or it is
left out when it has none), and copy in context is screened (it costs milliseconds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from clearance.catalog.queries import known_minors
from clearance.content.picture import DepictedPerson
from clearance.detectors.base import ContentKind, Item, VersionRef
from clearance.detectors.team_words import TeamWords
from clearance.findings import Finding
from clearance.screening import cache, team_lexicon
from clearance.screening.campaign import asset_ref
from clearance.screening.records import findings_of, latest_screenings
from clearance.screening.screener import Screener
from clearance.screening.tasks import TEXT_PREFIX, VIDEO_PREFIX, ScreenTask
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.screening_models import Publication


def content_kind(content_type: str) -> ContentKind:
    if content_type.startswith(TEXT_PREFIX):
        return "text"
    return "video" if content_type.startswith(VIDEO_PREFIX) else "image"


@dataclass(slots=True)
class VersionPlan:
    """One live version of a planned title."""

    version_id: int
    asset_id: int
    title_id: str
    ref: str
    number: int
    sha256: str
    content_type: str
    rating: str | None
    team_id: str | None
    depicted: tuple[DepictedPerson, ...] = ()
    #: Detector name -> cache slot, in the Screener's detector order.
    slots: dict[str, cache.CacheSlot] = field(default_factory=dict)
    #: Detector name -> cached findings (the slots that have an entry).
    cached: dict[str, tuple[Finding, ...]] = field(default_factory=dict)
    #: A context picture not in the cache: its latest screening's findings, if any.
    fallback: tuple[Finding, ...] | None = None
    #: The word list of the asset's team, for copy (:mod:`clearance.screening.team_lexicon`).
    team_words: TeamWords | None = None

    @property
    def kind(self) -> ContentKind:
        return content_kind(self.content_type)

    @property
    def name(self) -> str:
        return f"{self.ref} v{self.number}"

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(n for n in self.slots if n not in self.cached)

    def item(self) -> Item:
        """The version as an item without its content (what cache keys are made from)."""
        return Item(self.kind, rating=self.rating, title_id=self.title_id, name=self.name,
                    depicted=self.depicted,
                    version=VersionRef(self.version_id, self.asset_id, self.title_id,
                                       self.sha256, self.number),
                    team_words=self.team_words)

    def task(self) -> ScreenTask:
        return ScreenTask(self.version_id, self.asset_id, self.title_id, self.number,
                          self.name, self.sha256, self.content_type, self.rating,
                          self.depicted, tuple(self.cached), self.team_words)


@dataclass(slots=True)
class TitlePlan:
    title_id: str
    targets: list[int]
    versions: dict[int, VersionPlan]
    tasks: list[ScreenTask]


def _live(assets: Sequence[Asset], live: Mapping[int, int]) -> list[AssetVersion]:
    out = []
    for asset in assets:
        if not asset.versions:
            continue
        by_id = {v.id: v for v in asset.versions}
        chosen = by_id.get(live.get(asset.id, -1))
        out.append(chosen or max(asset.versions, key=lambda v: v.number))
    return out


def plan_titles(session: Session, screener: Screener,
                targets: Mapping[str, Sequence[int]]) -> list[TitlePlan]:
    """The plan of each title in ``targets`` (title id -> the version ids to decide)."""
    if not targets:
        return []
    assets = session.scalars(select(Asset).where(Asset.title_id.in_(list(targets)))
                             .options(selectinload(Asset.versions), selectinload(Asset.title))
                             .order_by(Asset.id)).all()
    live = dict(session.execute(
        select(Publication.asset_id, Publication.version_id)
        .where(Publication.asset_id.in_([a.id for a in assets]),
               Publication.live_until.is_(None))).all())
    by_title: dict[str, list[Asset]] = {}
    for a in assets:
        by_title.setdefault(a.title_id, []).append(a)
    words = team_lexicon.current_many(session, (a.team_id for a in assets))
    plans: list[TitlePlan] = []
    for title_id, wanted in targets.items():
        versions: dict[int, VersionPlan] = {}
        for row in _live(by_title.get(title_id, []), live):
            a = row.asset
            is_text = row.content_type.startswith(TEXT_PREFIX)
            depicted = () if is_text else tuple(
                DepictedPerson(m.person.name, m.age, m.person.id)
                for m in known_minors(session, row.id))
            plan = VersionPlan(row.id, a.id, title_id, asset_ref(a), row.number,
                               row.content_sha256, row.content_type, a.title.rating, a.team_id,
                               depicted,
                               team_words=words.get(a.team_id or "") if is_text else None)
            plan.slots = screener.cache_slots(plan.item())
            versions[row.id] = plan
        plans.append(TitlePlan(title_id, [vid for vid in wanted if vid in versions], versions,
                               []))
    everything = [v for p in plans for v in p.versions.values()]
    hits = cache.lookup(session, [s.key for v in everything for s in v.slots.values()])
    for v in everything:
        v.cached = {name: hits[s.key] for name, s in v.slots.items() if s.key in hits}
    pictures = [v.version_id for p in plans for v in p.versions.values()
                if v.missing and v.version_id not in p.targets and v.kind != "text"]
    stored = latest_screenings(session, pictures)
    for p in plans:
        for v in p.versions.values():
            if not v.missing:
                continue
            if v.version_id in p.targets or v.kind == "text":
                p.tasks.append(v.task())
            elif v.version_id in stored:
                v.fallback = findings_of(stored[v.version_id])
    return plans
