"""Screening a catalog version in its title's campaign, in three steps that keep model work out of
every transaction.

1. :func:`plan_screening` (in a session, reads only): the version's content and identity, the
   title's rating, the known minors it depicts, and the campaign context — each other asset of the
   title at its live version (its open publication) or else its newest, with the findings of its
   latest screening when that screening ran today's detector versions. Copy with no usable
   screening is carried as text, to be screened, with the word list of its own asset's team
   (:mod:`clearance.screening.team_lexicon`), as the team's copy is screened when it is uploaded
   (a stored screening is used as it is: a list that changed reaches the copies screened before
   once they are re-screened, as for the uploads themselves). An image with none is used with
   the findings it has (possibly from older detectors) or left out, since screening a picture for
   context costs seconds. Everything is plain values: the session can close before step 2.
2. :func:`run_screening` (no session): the model work, under the caller's screener lock. The
   version is an image item, a copy item, or — a trailer or clip (``video/*`` content) — a video
   item read from a private temporary file (ffmpeg's libraries read files), deleted afterwards.
   Each carries its catalog identity (:class:`~clearance.detectors.base.VersionRef`), so the hash
   bank's detector never matches a version with itself and stores the hashes it made for it.
3. :func:`record` (in a short write transaction): the screening of the version, and of each copy
   that step 2 had to screen for context (``requested_by="context"``, so the next upload of the
   title reuses it), as :mod:`clearance.screening.records` rows.

``screen_version`` chains the three for callers with no database slots to manage (the command
line, the demo). The review service runs the steps itself (``clearance.service.intake``), holding
a database slot only for steps 1 and 3.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from clearance.catalog.queries import known_minors
from clearance.content.images import load_picture
from clearance.content.picture import DepictedPerson
from clearance.content.video import load_video_file
from clearance.detectors.base import Item, VersionRef
from clearance.detectors.team_words import TeamWords
from clearance.errors import ContentError, NotFound
from clearance.findings import Finding
from clearance.screening import team_lexicon
from clearance.screening.records import (
    ScreeningInputs,
    detectors_of,
    findings_of,
    latest_screenings,
    record_screening,
)
from clearance.screening.screener import Screener, ScreenResult
from clearance.storage.blobs import BlobStore
from clearance.storage.db import session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.screening_models import Publication, Screening

TEXT_PREFIX = "text/"
VIDEO_PREFIX = "video/"
#: File name suffixes for a video's temporary file, by content type (ffmpeg probes the bytes;
#: the suffix only helps it pick the demuxer first).
_VIDEO_SUFFIXES = {"video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
                   "video/x-matroska": ".mkv", "video/x-msvideo": ".avi"}


def asset_ref(asset: Asset) -> str:
    """How a campaign names an asset: ``kind/locale/channel``."""
    return f"{asset.kind}/{asset.locale}/{asset.channel}"


@dataclass(frozen=True, slots=True)
class ContextAsset:
    """One other asset of the title, at the version in scope: its stored findings, or (copy
    without a usable screening) its text to screen."""

    ref: str
    version_id: int
    findings: tuple[Finding, ...] | None = None
    text: str | None = None
    #: The word list of the copy's own team, to screen ``text`` with.
    team_words: TeamWords | None = None


@dataclass(frozen=True, slots=True)
class ScreeningPlan:
    """What screening one catalog version needs, read from the catalog."""

    version_id: int
    asset_id: int
    title_id: str
    number: int
    ref: str
    content_sha256: str
    content_type: str
    data: bytes = field(repr=False)
    rating: str | None
    depicted: tuple[DepictedPerson, ...]
    context: tuple[ContextAsset, ...]
    #: The word list of the asset's team, for copy (:mod:`clearance.screening.team_lexicon`).
    team_words: TeamWords | None = None

    @property
    def is_text(self) -> bool:
        return self.content_type.startswith(TEXT_PREFIX)

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith(VIDEO_PREFIX)

    @property
    def name(self) -> str:
        return f"{self.ref} v{self.number}"

    @property
    def version_ref(self) -> VersionRef:
        return VersionRef(self.version_id, self.asset_id, self.title_id, self.content_sha256,
                          self.number)


@dataclass(frozen=True, slots=True)
class CampaignScreening:
    """The outcome of :func:`run_screening`: the version's result, the inputs that decided it,
    and the context copies that were screened on the way (to be recorded too)."""

    plan: ScreeningPlan
    result: ScreenResult
    inputs: ScreeningInputs
    context_results: dict[int, ScreenResult]
    context_inputs: ScreeningInputs


def live_versions(session: Session, title_id: str) -> dict[int, AssetVersion]:
    """Each asset of the title (by asset id) at its live version, else its newest one that was
    not withdrawn (a withdrawn version is out of the campaign for good; an asset whose every
    version was withdrawn has none)."""
    assets = session.scalars(select(Asset).where(Asset.title_id == title_id)
                             .options(selectinload(Asset.versions))).all()
    pubs = session.scalars(select(Publication).join(Asset, Asset.id == Publication.asset_id)
                           .where(Asset.title_id == title_id,
                                  Publication.live_until.is_(None)
                                  | (Publication.end_reason == "withdrawn"))).all()
    live = {p.asset_id: p.version_id for p in pubs if p.live_until is None}
    withdrawn = {p.version_id for p in pubs if p.end_reason == "withdrawn"}
    out: dict[int, AssetVersion] = {}
    for asset in assets:
        by_id = {v.id: v for v in asset.versions}
        chosen = by_id.get(live.get(asset.id, -1))
        kept = [v for v in asset.versions if v.id not in withdrawn]
        if chosen is None and kept:
            chosen = max(kept, key=lambda v: v.number)
        if chosen is not None:
            out[asset.id] = chosen
    return out


def _is_current(screening: Screening, detectors: dict[str, str]) -> bool:
    return all(screening.detectors.get(name) == version for name, version in detectors.items())


def plan_screening(session: Session, blobs: BlobStore, version_id: int,
                   detectors: Sequence[tuple[str, str]]) -> ScreeningPlan:
    """Read what screening ``version_id`` in its campaign needs (``detectors``: the screener's
    ``(name, version)`` pairs, to tell whether a stored screening is current)."""
    version = session.get(AssetVersion, version_id)
    if version is None:
        raise NotFound(f"no asset version {version_id} in the catalog")
    asset = version.asset
    title = asset.title
    current = dict(detectors)
    others = {aid: v for aid, v in live_versions(session, title.id).items() if aid != asset.id}
    stored = latest_screenings(session, [v.id for v in others.values()])
    copy_teams = [v.asset.team_id for v in others.values()
                  if v.content_type.startswith(TEXT_PREFIX)]
    lists = team_lexicon.current_many(session, copy_teams)
    context: list[ContextAsset] = []
    for other in sorted(others.values(), key=lambda v: v.asset_id):
        ref = asset_ref(other.asset)
        screening = stored.get(other.id)
        is_text = other.content_type.startswith(TEXT_PREFIX)
        if screening is not None and (_is_current(screening, current) or not is_text):
            context.append(ContextAsset(ref, other.id, findings=findings_of(screening)))
        elif is_text:
            text = blobs.get(other.content_sha256).decode("utf-8", errors="replace")
            context.append(ContextAsset(ref, other.id, text=text,
                                        team_words=lists.get(other.asset.team_id or "")))
    depicted = tuple(DepictedPerson(m.person.name, m.age, m.person.id)
                     for m in known_minors(session, version.id)) \
        if not version.content_type.startswith(TEXT_PREFIX) else ()
    return ScreeningPlan(
        version_id=version.id, asset_id=asset.id, title_id=title.id, number=version.number,
        ref=asset_ref(asset), content_sha256=version.content_sha256,
        content_type=version.content_type, data=blobs.get(version.content_sha256),
        rating=title.rating, depicted=depicted, context=tuple(context),
        team_words=team_lexicon.current(session, asset.team_id)
        if version.content_type.startswith(TEXT_PREFIX) else None)


@contextmanager
def _item(screener: Screener, plan: ScreeningPlan) -> Iterator[Item]:
    """The planned version as an item (a video's bytes in a temporary file while it is used)."""
    if plan.is_text:
        yield screener.text_item(plan.data.decode("utf-8", errors="replace"), name=plan.name,
                                 rating=plan.rating, title_id=plan.title_id,
                                 version=plan.version_ref, team_words=plan.team_words)
        return
    if not plan.is_video:
        picture = load_picture(plan.data, plan.name)
        yield screener.image_item(picture, name=plan.name, rating=plan.rating,
                                  title_id=plan.title_id, depicted=plan.depicted,
                                  version=plan.version_ref)
        return
    fd, tmp = tempfile.mkstemp(prefix="clearance-video-",
                               suffix=_VIDEO_SUFFIXES.get(plan.content_type, ".bin"))
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(plan.data)
        video = load_video_file(tmp, max_bytes=max(len(plan.data), 1), name=plan.name)
        yield screener.video_item(video, name=plan.name, rating=plan.rating,
                                  title_id=plan.title_id, version=plan.version_ref)
    finally:
        Path(tmp).unlink(missing_ok=True)


def run_screening(screener: Screener, plan: ScreeningPlan,
                  extra: Sequence[Finding] = ()) -> CampaignScreening:
    """Screen the planned version with its campaign (the model work; no session is used).
    ``extra``: findings from outside the detectors (a vendor's recorded response)."""
    pairs = [(d.name, d.version) for d in screener.detectors]
    context_findings: dict[str, tuple[Finding, ...]] = {}
    to_screen: list[tuple[ContextAsset, Item]] = []
    for c in plan.context:
        if c.findings is not None:
            context_findings[c.ref] = c.findings
        elif c.text is not None:
            try:
                to_screen.append((c, screener.text_item(c.text, name=c.ref, rating=plan.rating,
                                                        title_id=plan.title_id,
                                                        team_words=c.team_words)))
            except ContentError:
                continue  # empty copy: nothing to bring into scope
    context_results: dict[int, ScreenResult] = {}
    if to_screen:
        results = screener.screen_many([item for _, item in to_screen])
        for (c, _), r in zip(to_screen, results, strict=True):
            context_results[c.version_id] = r
            context_findings[c.ref] = r.findings
    with _item(screener, plan) as item:
        result = screener.screen_many([item], [context_findings], [tuple(extra)])[0]
    versions = {c.ref: c.version_id for c in plan.context if c.ref in context_findings}
    return CampaignScreening(
        plan=plan, result=result,
        inputs=ScreeningInputs(detectors_of(pairs, result.findings), versions),
        context_results=context_results, context_inputs=ScreeningInputs(detectors_of(pairs)))


def record(session: Session, outcome: CampaignScreening, *, requested_by: str,
           actor: str | None = None) -> tuple[Screening, bool]:
    """Store the screening of the planned version (and of the context copies screened for it);
    ``(screening, created)`` — an identical stored screening is returned, not doubled."""
    for version_id, r in outcome.context_results.items():
        other = session.get(AssetVersion, version_id)
        if other is not None:
            record_screening(session, other, r, outcome.context_inputs, requested_by="context",
                             actor=actor)
    version = session.get(AssetVersion, outcome.plan.version_id)
    if version is None:
        raise NotFound(f"asset version {outcome.plan.version_id} is gone from the catalog")
    return record_screening(session, version, outcome.result, outcome.inputs,
                            requested_by=requested_by, actor=actor)


def screen_version(engine: Engine, blobs: BlobStore, screener: Screener, version_id: int, *,
                   requested_by: str, actor: str | None = None,
                   extra: Sequence[Finding] = ()) -> tuple[int, ScreenResult]:
    """Plan, screen and record one catalog version; ``(screening id, result)``. Each database
    step is a short transaction of its own; the model work runs between them."""
    pairs = [(d.name, d.version) for d in screener.detectors]
    with session_scope(engine) as session:
        plan = plan_screening(session, blobs, version_id, pairs)
    outcome = run_screening(screener, plan, extra)
    with session_scope(engine) as session:
        screening, _ = record(session, outcome, requested_by=requested_by, actor=actor)
        return screening.id, outcome.result
