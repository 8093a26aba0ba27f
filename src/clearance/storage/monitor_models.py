"""The after-release monitor's tables (same metadata as :mod:`clearance.storage.models`).

* ``monitor_posts`` — one row per post, keyed by ``post_key`` (``platform:id``, the dedup key):
  when it was posted, its language, reach and scores (sentiment, offensive, themes) and, while
  the retention period lasts, its **text, author and URL** — personal data. After
  ``CLEARANCE_MONITOR_RETENTION_DAYS``, or at once on a deletion request, those three become NULL
  and ``text_removed`` says why (``retention`` or ``deleted``); the row stays so the post is not
  counted twice if it comes again, and the aggregates stay.
* ``monitor_post_links`` — which titles (``version_id`` 0) and which copy versions a post is
  about, with how it was linked; ``created_at`` is the post's, for per-title time queries.
* ``monitor_buckets`` — the aggregates: per title (and per quoted copy version), per 5 minutes
  and per hour, the volume, negative and offensive counts, reach and one count per theme.
  Written in the same transaction as the posts they count, so they are exact.
* ``monitor_forgotten`` — post keys a platform asked us to delete: their text is never stored
  again, even if the post is delivered later.
* ``monitor_checkpoints`` — how far each source (a file, a stream consumer) was ingested.
* ``monitor_petitions`` and ``monitor_petition_counts`` — petitions and their signature counts
  over time; ``monitor_articles`` — news and blog items from feeds.
* ``monitor_alerts`` — alerts raised, with everything they carry (``docs/monitor.md``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearance.storage.models import Base, _in, utcnow

SENTIMENTS: Final = ("negative", "neutral", "positive")
#: Why a post's text is gone.
TEXT_REMOVED: Final = ("retention", "deleted")
#: The themes, in column order (``docs/monitor.md``).
THEMES: Final = ("child_sexualisation", "age_rating", "cultural_racial", "boycott", "praise")
#: Bucket lengths in seconds: 5 minutes and one hour.
STEPS: Final = (300, 3600)
MONITOR_TABLES: Final = ("monitor_posts", "monitor_post_links", "monitor_buckets",
                         "monitor_forgotten", "monitor_checkpoints", "monitor_petitions",
                         "monitor_petition_counts", "monitor_articles", "monitor_alerts")


class MonitorPost(Base):
    __tablename__ = "monitor_posts"
    __table_args__ = (
        CheckConstraint(_in("sentiment", SENTIMENTS), name="sentiment"),
        CheckConstraint("text_removed IS NULL OR " + _in("text_removed", TEXT_REMOVED),
                        name="text_removed"),
        Index(None, "post_key", unique=True),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    post_key: Mapped[str] = mapped_column(String(600))
    platform: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lang: Mapped[str] = mapped_column(String(8))
    reach: Mapped[int] = mapped_column(BigInteger, default=0)
    sentiment: Mapped[str] = mapped_column(String(8))
    negative: Mapped[float] = mapped_column(Float)
    is_offensive: Mapped[bool] = mapped_column(Boolean)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))
    text_removed: Mapped[str | None] = mapped_column(String(16))
    #: The JetStream sequence it came with (so a deletion also removes the stream's copy).
    stream_seq: Mapped[int | None] = mapped_column(BigInteger)


class MonitorPostLink(Base):
    __tablename__ = "monitor_post_links"
    __table_args__ = (Index(None, "title_id", "created_at"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("monitor_posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"),
                                          primary_key=True)
    #: 0 for the title itself, else the asset version the post quotes.
    version_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    how: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MonitorBucket(Base):
    __tablename__ = "monitor_buckets"

    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"),
                                          primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    volume: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    offensive: Mapped[int] = mapped_column(Integer, default=0)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)
    child_sexualisation: Mapped[int] = mapped_column(Integer, default=0)
    age_rating: Mapped[int] = mapped_column(Integer, default=0)
    cultural_racial: Mapped[int] = mapped_column(Integer, default=0)
    boycott: Mapped[int] = mapped_column(Integer, default=0)
    praise: Mapped[int] = mapped_column(Integer, default=0)


class MonitorForgotten(Base):
    __tablename__ = "monitor_forgotten"

    post_key: Mapped[str] = mapped_column(String(600), primary_key=True)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(200))


class MonitorCheckpoint(Base):
    __tablename__ = "monitor_checkpoints"

    source: Mapped[str] = mapped_column(String(1000), primary_key=True)
    #: A file: the last line stored; a stream: the last stream sequence acknowledged.
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    #: A file: SHA-256 of its first 64 KiB (a different file under the same name starts over).
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MonitorPetition(Base):
    __tablename__ = "monitor_petitions"
    __table_args__ = (Index(None, "petition_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The petition's URL (or ``parliament:<id>``).
    petition_key: Mapped[str] = mapped_column(String(1000))
    action: Mapped[str] = mapped_column(String(1000), default="")
    title_id: Mapped[str | None] = mapped_column(ForeignKey("titles.id", ondelete="SET NULL"))


class MonitorPetitionCount(Base):
    __tablename__ = "monitor_petition_counts"

    petition_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_petitions.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class MonitorArticle(Base):
    __tablename__ = "monitor_articles"
    __table_args__ = (Index(None, "article_key", unique=True), Index(None, "published_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_key: Mapped[str] = mapped_column(String(1000))
    feed: Mapped[str] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(1000))
    headline: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sentiment: Mapped[str] = mapped_column(String(8))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    title_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class MonitorAlert(Base):
    __tablename__ = "monitor_alerts"
    __table_args__ = (Index(None, "dedup_key", unique=True), Index(None, "title_id", "onset"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(100))
    signal: Mapped[str] = mapped_column(String(40))
    title_id: Mapped[str | None] = mapped_column(ForeignKey("titles.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[int] = mapped_column(Integer)
    onset: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    score: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(String(1000))
    #: ``{theme: share}``, ``{lang: count}``, post ids (their text is read at display time, so
    #: a deleted post's text is gone from every alert too), live versions with decisions.
    themes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    languages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    top_posts: Mapped[list[int]] = mapped_column(JSON, default=list)
    live_versions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dedup_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
