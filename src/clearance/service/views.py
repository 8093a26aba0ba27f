"""How review objects look in API responses (JSON), built from the ORM rows in the request's
session. Reviewer names are shown to reviewers and above only: a submitter sees what was decided
and why, not who decided it (as in :mod:`clearance.review.context`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.review import audit, queue
from clearance.review.access import Actor
from clearance.storage.db import as_utc
from clearance.storage.review_models import (
    ApiToken,
    AuditEvent,
    Comment,
    ReviewItem,
    User,
    WebhookDelivery,
    WebhookSubscription,
)


def iso(at: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite returns stored UTC datetimes without a zone)."""
    if at is None:
        return None
    return as_utc(at).isoformat()


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows}


def item_summary(item: ReviewItem, actor: Actor, names: dict[int, str]) -> dict[str, Any]:
    """An item as listed: its state, screening decision, asset and claim."""
    version = item.version
    asset = version.asset
    is_reviewer = actor.at_least("reviewer")
    return {
        "id": item.id,
        "state": item.state,
        "outcome": queue.FINAL_STATE_OUTCOME.get(item.state),
        "screening_decision": item.screening_decision,
        "policy_version": item.policy_version,
        "risk": round(item.risk, 4),
        "rules": list(item.rules),
        "needs_two": item.needs_two,
        "awaiting_senior": queue.awaiting_senior(item),
        "title_id": asset.title_id,
        "asset": {"id": asset.id, "kind": asset.kind, "locale": asset.locale,
                  "channel": asset.channel},
        "version_id": version.id,
        "content_type": version.content_type,
        "content_url": f"/api/items/{item.id}/content",
        "team_id": item.team_id,
        "submitted_by": names.get(item.submitted_by) if item.submitted_by else None,
        "claimed_by": (names.get(item.claimed_by) if is_reviewer and item.claimed_by
                       else None),
        "is_claimed": item.state == "claimed",
        "lease_expires_at": iso(item.lease_expires_at) if is_reviewer else None,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "decided_at": iso(item.decided_at),
    }


def item_list(session: Session, actor: Actor, items: Sequence[ReviewItem]
              ) -> list[dict[str, Any]]:
    names = usernames(session, [u for i in items for u in (i.submitted_by, i.claimed_by)])
    return [item_summary(i, actor, names) for i in items]


def comment_view(comment: Comment) -> dict[str, Any]:
    return {"id": comment.id, "author": comment.author.username, "body": comment.body,
            "created_at": iso(comment.created_at)}


def item_detail(session: Session, actor: Actor, item: ReviewItem) -> dict[str, Any]:
    """An item with its findings, reasons, reviews, comments and title context."""
    out = item_list(session, actor, [item])[0]
    context = queue.item_context(session, actor, item.id)
    out.update({
        "findings": list(item.findings),
        "reasons": list(item.reasons),
        "reviews": context["reviews"],
        "comments": [comment_view(c) for c in item.comments],
        "context": context,
    })
    return out


def user_view(user: User, tokens: Sequence[ApiToken] = ()) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "team_id": user.team_id, "active": user.active,
            "blur_images": user.blur_images, "created_at": iso(user.created_at),
            "tokens": [token_view(t) for t in tokens]}


def token_view(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "created_at": iso(token.created_at), "expires_at": iso(token.expires_at),
            "last_used_at": iso(token.last_used_at), "revoked_at": iso(token.revoked_at)}


def webhook_view(sub: WebhookSubscription) -> dict[str, Any]:
    return {"id": sub.id, "url": sub.url, "events": list(sub.events), "active": sub.active,
            "created_at": iso(sub.created_at)}


def delivery_view(d: WebhookDelivery) -> dict[str, Any]:
    return {"id": d.id, "subscription_id": d.subscription_id, "event_type": d.event_type,
            "status": d.status, "attempts": d.attempts,
            "next_attempt_at": iso(d.next_attempt_at), "last_status_code": d.last_status_code,
            "last_error": d.last_error, "created_at": iso(d.created_at),
            "delivered_at": iso(d.delivered_at)}


def audit_view(event: AuditEvent) -> dict[str, Any]:
    return audit.as_dict(event)
