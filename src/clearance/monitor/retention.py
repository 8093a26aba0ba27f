"""Retention: posts are personal data, kept no longer than needed.

* :func:`expire` — after ``CLEARANCE_MONITOR_RETENTION_DAYS`` (counted from when the post was
  posted), a post's **text, author and URL** become NULL (``text_removed = 'retention'``). What
  stays: its key (so a redelivery is not counted again), time, language, reach, scores, themes and
  links, and the per-title aggregates — everything the timelines and alerts need, nothing that
  says who wrote what.
* :func:`forget` — a **deletion request** for a post (as the platforms send them, by id): its
  text, author and URL are removed *everywhere* we hold them —

  - the post row (``text_removed = 'deleted'``);
  - alerts: they hold post ids only and read the text when shown, so nothing to rewrite;
  - the webhook outbox's copies of ``alert`` messages that quote the post: the quote becomes
    ``[deleted]`` (one still pending is sent without it; a copy a receiver already got is theirs);
  - the JetStream stream's copy of the message (the stream sequence stored with the post), by
    :func:`clearance.monitor.stream.delete_from_stream` (the CLI does this after the commit);

  and the key is kept in ``monitor_forgotten``, so if the post is delivered again later its text
  is not stored. Forgetting an unknown post records the request all the same.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearance.monitor.store import dialect_insert
from clearance.storage.monitor_models import MonitorForgotten, MonitorPost
from clearance.storage.review_models import WebhookDelivery

DELETED_TEXT = "[deleted]"


@dataclass(frozen=True, slots=True)
class Forgotten:
    """The outcome of one deletion request."""

    post_key: str
    was_stored: bool
    had_text: bool
    deliveries_scrubbed: int
    stream_seq: int | None


def expire(session: Session, *, days: int, now: dt.datetime | None = None) -> int:
    """Remove the text, author and URL of posts older than ``days``; returns how many."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    result = session.execute(
        update(MonitorPost)
        .where(MonitorPost.created_at < cutoff, MonitorPost.text_removed.is_(None))
        .values(text=None, author=None, url=None, text_removed="retention")
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def forget(session: Session, post_key: str, *, by: str) -> Forgotten:
    """Honour a deletion request for ``post_key`` (see the module docstring)."""
    statement = dialect_insert(session, MonitorForgotten.__table__).values(
        post_key=post_key, requested_at=dt.datetime.now(dt.UTC), requested_by=by)
    session.execute(statement.on_conflict_do_nothing())
    post = session.scalar(select(MonitorPost).where(MonitorPost.post_key == post_key))
    had_text = post is not None and post.text is not None
    seq = post.stream_seq if post is not None else None
    if post is not None:
        post.text, post.author, post.url, post.text_removed = None, None, None, "deleted"
    scrubbed = _scrub_deliveries(session, post_key)
    session.flush()
    return Forgotten(post_key, post is not None, had_text, scrubbed, seq)


def _scrub_deliveries(session: Session, post_key: str) -> int:
    """Replace the post's text in the stored alert deliveries."""
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == "alert",
                                                         WebhookDelivery.payload.contains(
                                                             json.dumps(post_key)[1:-1])))
    scrubbed = 0
    for delivery in rows:
        body = json.loads(delivery.payload)
        changed = False
        for post in body.get("data", {}).get("top_posts", []):
            if post.get("key") == post_key and post.get("text") != DELETED_TEXT:
                post["text"], post["author"], post["url"] = DELETED_TEXT, None, None
                changed = True
        if changed:
            delivery.payload = json.dumps(body, sort_keys=True, separators=(",", ":"),
                                          ensure_ascii=False)
            scrubbed += 1
    return scrubbed
