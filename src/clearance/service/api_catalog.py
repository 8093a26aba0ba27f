"""API routes for publication state: make an approved version live, withdraw a version
everywhere, and ask what of a title was live at a moment (the rules are in
:mod:`clearance.catalog.publication`; ``docs/review.md`` describes them).

Who may: publishing is for the team whose submission the version is (its latest review round)
and for reviewers and above; withdrawing is a senior reviewer's act (it takes an asset down
everywhere and for good); what is live is public knowledge, so any authenticated caller may ask.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from clearance.catalog.publication import latest_item, live_at, publish, withdraw
from clearance.catalog.queries import get_title
from clearance.errors import Forbidden, NotFound
from clearance.review.access import Actor
from clearance.service.deps import SeniorDep, SessionDep, SubmitterDep
from clearance.service.models_public import LiveList, LiveVersionPublic, PublicationPublic
from clearance.service.params import IdPath
from clearance.service.schemas import WithdrawIn
from clearance.storage.models import AssetVersion
from clearance.storage.screening_models import Publication

router = APIRouter(tags=["publication"])


def _version(session: SessionDep, version_id: int) -> AssetVersion:
    version = session.get(AssetVersion, version_id)
    if version is None:
        raise NotFound(f"no asset version {version_id}")
    return version


def _may_publish(session: SessionDep, actor: Actor, version: AssetVersion) -> None:
    if actor.at_least("reviewer"):
        return
    item = latest_item(session, version.id)
    if item is None or actor.team_id is None or item.team_id != actor.team_id:
        # not disclosed: another team's version is "not found" to a submitter
        raise NotFound(f"no asset version {version.id}")


def _view(row: Publication, version: AssetVersion) -> PublicationPublic:
    asset = version.asset
    return PublicationPublic(
        version_id=version.id, version_number=version.number, asset_id=asset.id,
        title_id=asset.title_id, kind=asset.kind, locale=asset.locale, channel=asset.channel,
        live_from=row.live_from, live_until=row.live_until, published_by=row.published_by,
        ended_by=row.ended_by, end_reason=row.end_reason)


@router.post("/versions/{version_id}/publish", status_code=200)
def publish_version(version_id: IdPath, actor: SubmitterDep, session: SessionDep,
                    response: Response) -> PublicationPublic:
    """Make the version the live one of its asset (201; 200 when it already was). Only an
    approved or screening-passed version, never a withdrawn one (409); the asset's previous live
    version ends as ``replaced``."""
    version = _version(session, version_id)
    _may_publish(session, actor, version)
    before = session.query(Publication).filter(Publication.version_id == version.id,
                                               Publication.live_until.is_(None)).count()
    row = publish(session, version, by=actor.audit_name)
    response.status_code = 200 if before else 201
    return _view(row, version)


@router.post("/versions/{version_id}/withdraw")
def withdraw_version(version_id: IdPath, body: WithdrawIn, actor: SeniorDep,
                     session: SessionDep) -> PublicationPublic:
    """Withdraw the version everywhere, for good (senior reviewers and admins; the reason is
    required and audited). Withdrawing again returns the first withdrawal."""
    if not actor.is_senior:  # pragma: no cover - SeniorDep already refused
        raise Forbidden("withdrawing needs a senior reviewer")
    version = _version(session, version_id)
    return _view(withdraw(session, version, by=actor.audit_name, reason=body.reason), version)


@router.get("/titles/{title_id}/live")
def title_live(title_id: str, actor: SubmitterDep, session: SessionDep,
               at: Annotated[dt.datetime | None, Query(
                   description="ISO 8601 moment (UTC when no offset); default now")] = None,
               ) -> LiveList:
    """The versions of the title's assets live at ``at`` (default now)."""
    get_title(session, title_id)
    when = dt.datetime.now(dt.UTC) if at is None else (
        at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC))
    rows = live_at(session, title_id, when)
    return LiveList(title_id=title_id, at=when, live=[LiveVersionPublic(
        asset_id=r.asset_id, kind=r.kind, locale=r.locale, channel=r.channel,
        version_id=r.version_id, version_number=r.number, live_from=r.live_from,
        live_until=r.live_until, published_by=r.published_by) for r in rows])
