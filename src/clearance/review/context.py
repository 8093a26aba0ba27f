"""What a reviewer sees next to an item: the title, its cast with ages, the title's other assets
and how they were decided, the history of this asset, the reviews and the comments.

Ages matter for the two-person rule: ``age_at_shoot`` is the cast member's age on the version's
shoot date (when known), computed by :func:`clearance.catalog.views.age_on`. A submitter sees
only their own team's decisions on other assets, and reviews and comments without the reviewers'
names (:func:`comment_author`); of the title's other assets only their own team's, and of this
asset's history no version of another team (its hash, creator and dates are left out: an asset
from before assets had owners may hold versions of several teams).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from clearance.catalog.views import age_on
from clearance.review.access import Actor
from clearance.storage.db import as_utc
from clearance.storage.models import Asset, AssetVersion, Credit
from clearance.storage.quarantine_models import QuarantineHold
from clearance.storage.review_models import Review, ReviewItem, User


def _iso(at: dt.datetime | None) -> str | None:
    if at is None:
        return None
    return as_utc(at).isoformat()


def _can_see(actor: Actor, item: ReviewItem, held: set[int] | frozenset[int] = frozenset()
             ) -> bool:
    if item.version_id in held:  # quarantined: nobody's in review
        return False
    if actor.at_least("reviewer"):
        return True
    return item.submitted_by == actor.user_id or (
        actor.team_id is not None and item.team_id == actor.team_id)


def comment_author(viewer: Actor, author: User) -> str | None:
    """The name a comment's author is shown under to ``viewer``: ``None`` ("a reviewer") when a
    submitter looks at a comment written by a reviewer, as reviews hide their reviewers' names;
    a submitter's own team's comments keep their authors."""
    if viewer.at_least("reviewer") or author.id == viewer.user_id or author.role == "submitter":
        return author.username
    return None


def _reviews(actor: Actor, item: ReviewItem) -> list[dict[str, Any]]:
    named = actor.at_least("reviewer")
    return [{"reviewer": r.reviewer.username if named else None, "outcome": r.outcome,
             "reason": r.reason, "reason_code": r.reason_code, "final": r.final,
             "created_at": _iso(r.created_at)}
            for r in item.reviews]


def _items_by_version(session: Session, version_ids: list[int]) -> dict[int, ReviewItem]:
    if not version_ids:
        return {}
    # only states and reviews are shown: the screenings (the bulk) stay unloaded; a version
    # screened into several review rounds shows its latest
    rows = session.scalars(select(ReviewItem).where(ReviewItem.version_id.in_(version_ids))
                           .order_by(ReviewItem.round)
                           .options(selectinload(ReviewItem.reviews)
                                    .selectinload(Review.reviewer)))
    return {row.version_id: row for row in rows}


def item_context(session: Session, actor: Actor, item: ReviewItem) -> dict[str, Any]:
    """The context of ``item`` (which ``actor`` has already been allowed to see)."""
    version = item.version
    asset = version.asset
    title = asset.title
    today = dt.datetime.now(dt.UTC).date()
    cast = []
    for credit in session.scalars(select(Credit).where(Credit.title_id == title.id,
                                                       Credit.role == "cast")
                                  .options(selectinload(Credit.person))
                                  .order_by(Credit.id)):
        dob = credit.person.date_of_birth
        cast.append({
            "name": credit.person.name, "character": credit.character,
            "date_of_birth": dob.isoformat() if dob else None,
            "age_now": age_on(dob, today) if dob else None,
            "age_at_shoot": age_on(dob, version.shoot_date) if dob and version.shoot_date
            else None,
        })
    assets = list(session.scalars(select(Asset).where(Asset.title_id == title.id)
                                  .options(selectinload(Asset.versions))
                                  .order_by(Asset.id)))
    latest: dict[int, AssetVersion] = {}
    for other in assets:
        if other.versions:
            latest[other.id] = other.versions[-1]
    all_versions = [v.id for v in asset.versions] + [v.id for v in latest.values()]
    items = _items_by_version(session, all_versions)
    held = set(session.scalars(select(QuarantineHold.version_id).where(
        QuarantineHold.version_id.in_(all_versions))))
    is_reviewer = actor.at_least("reviewer")
    others = []
    for other in assets:
        if other.id == asset.id:
            continue
        if not is_reviewer and (actor.team_id is None or other.team_id != actor.team_id):
            continue  # another team's asset, or one of no team: not a submitter's business
        newest = latest.get(other.id)
        other_item = items.get(newest.id) if newest is not None else None
        shown = other_item is not None and _can_see(actor, other_item, held)
        others.append({
            "asset_id": other.id, "kind": other.kind, "locale": other.locale,
            "channel": other.channel, "version_id": newest.id if newest else None,
            "item_id": other_item.id if shown and other_item else None,
            "state": other_item.state if shown and other_item else None,
            "screening_decision": other_item.screening_decision if shown and other_item
            else None,
        })
    history = []
    for v in asset.versions:
        v_item = items.get(v.id)
        shown = v_item is not None and _can_see(actor, v_item, held)
        # a version with no review item (imported) is known to the asset's own team
        known = v.id not in held and (
            is_reviewer or shown or (v_item is None and actor.team_id is not None
                                     and asset.team_id == actor.team_id))
        history.append({
            "version_id": v.id, "number": v.number,
            "sha256": v.content_sha256 if known else None,
            "created_at": _iso(v.created_at) if known else None,
            "created_by": v.created_by if known else None,
            "shoot_date": v.shoot_date.isoformat() if known and v.shoot_date else None,
            "current": v.id == version.id,
            "item_id": v_item.id if shown and v_item else None,
            "state": v_item.state if shown and v_item else None,
            "screening_decision": v_item.screening_decision if shown and v_item else None,
            "reviews": _reviews(actor, v_item) if shown and v_item else [],
        })
    return {
        "title": {"id": title.id, "name": title.original_title, "rating": title.rating},
        "asset": {"asset_id": asset.id, "kind": asset.kind, "locale": asset.locale,
                  "channel": asset.channel},
        "version": {"version_id": version.id, "number": version.number,
                    "sha256": version.content_sha256,
                    "content_type": version.content_type, "shoot_date":
                    version.shoot_date.isoformat() if version.shoot_date else None,
                    "depicted": [d.person.name for d in version.depicted]},
        "cast": cast,
        "other_assets": others,
        "history": history,
        "reviews": _reviews(actor, item),
        "comments": [{"author": comment_author(actor, c.author), "body": c.body,
                      "created_at": _iso(c.created_at)} for c in item.comments],
    }
