"""News and blogs: RSS and Atom feeds, from files or URLs, parsed by ``feedparser``.

A URL is fetched through the project's one outbound rule (:mod:`clearance.net`): checked (form,
then every address its host resolves to; loopback and private addresses only where
``CLEARANCE_OUTBOUND_ALLOW`` names them, as on a test machine), sent to the checked address, never
redirected, and read up to :data:`MAX_FEED_BYTES` — feedparser never fetches anything itself
(it is handed bytes). An unreachable feed is an :class:`~clearance.errors.InputError` naming the
feed (exit 3) and the other feeds are still read.

Each entry becomes an **Article**: its ``id`` (or link) as the dedup key, headline, summary (tags
stripped), link, time (``published`` or ``updated``; an entry with neither is skipped and
reported), its sentiment and themes from the same models as posts, and the titles it names
(linked like a post, on headline and summary). Articles are public writing, not personal data:
they are kept whole.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy.orm import Session

from clearance.errors import ContentError, DetectorUnavailable, InputError, OutboundRefused, Problem
from clearance.monitor.linking import Linker
from clearance.monitor.scoring import Scorer
from clearance.monitor.store import dialect_insert
from clearance.net import OutboundRule, check_outbound_url, read_body, send
from clearance.storage.monitor_models import MonitorArticle

MAX_FEED_BYTES: Final = 5_000_000
TIMEOUT_SECONDS: Final = 10.0
_TAGS: Final = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Article:
    key: str
    feed: str
    url: str | None
    headline: str
    summary: str
    published_at: dt.datetime


def fetch(url: str, rule: OutboundRule, *, client: httpx.Client | None = None) -> bytes:
    """The feed's bytes, through the outbound rule (see the module docstring)."""
    try:
        target = check_outbound_url(url, rule)
    except OutboundRefused as exc:
        raise InputError(f"feed {url} refused: {exc.reason}") from exc
    own = client is None
    http = client or httpx.Client()
    try:
        response = send(http, "GET", target, timeout=TIMEOUT_SECONDS,
                        headers={"User-Agent": "clearance-monitor/1",
                                 "Accept": "application/rss+xml, application/atom+xml, "
                                           "application/xml;q=0.9, */*;q=0.5"})
        if response.status_code != 200:
            response.close()
            raise InputError(f"feed {url} answered HTTP {response.status_code}")
        return read_body(response, MAX_FEED_BYTES)
    except httpx.HTTPError as exc:
        raise InputError(f"feed {url} is unreachable: {type(exc).__name__}") from exc
    except ContentError as exc:
        raise InputError(f"feed {url}: {exc.message}") from exc
    finally:
        if own:
            http.close()


def read_source(source: str, rule: OutboundRule, *, client: httpx.Client | None = None
                ) -> bytes:
    if source.startswith(("http://", "https://")):
        return fetch(source, rule, client=client)
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read feed {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_FEED_BYTES:
        raise InputError(f"feed {source} is more than {MAX_FEED_BYTES:,} bytes")
    return data


def _clean(text: Any) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", str(text or ""))).split())


def parse(data: bytes, feed: str) -> tuple[list[Article], list[Problem]]:
    """The articles of a feed document, and the entries that could not be used."""
    try:
        import feedparser
    except ImportError as exc:  # pragma: no cover - in the monitor extra
        raise DetectorUnavailable("reading feeds needs feedparser: install the 'monitor' "
                                  "extra") from exc
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        raise InputError(f"feed {feed} is not RSS or Atom: "
                         f"{type(parsed.get('bozo_exception')).__name__}")
    articles, problems = [], []
    for i, entry in enumerate(parsed.entries, start=1):
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        key = entry.get("id") or entry.get("link")
        headline = _clean(entry.get("title"))
        if stamp is None or not key or not headline:
            missing = "time" if stamp is None else "id or link" if not key else "title"
            problems.append(Problem(f"entry {i} has no {missing}; skipped", feed))
            continue
        published = dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.UTC)
        articles.append(Article(str(key)[:1000], feed[:1000], entry.get("link"),
                                headline, _clean(entry.get("summary"))[:5000], published))
    return articles, problems


def store_articles(session: Session, articles: Sequence[Article], linker: Linker,
                   scorer: Scorer) -> int:
    """Store new articles (dedup by key); returns how many were new."""
    if not articles:
        return 0
    texts = [f"{a.headline}. {a.summary}" for a in articles]
    scores = scorer.score(texts)
    rows = [{"article_key": a.key, "feed": a.feed, "url": a.url, "headline": a.headline,
             "summary": a.summary, "published_at": a.published_at,
             "fetched_at": dt.datetime.now(dt.UTC), "sentiment": s.sentiment,
             "themes": list(s.themes),
             "title_ids": sorted({link.title_id for link in linker.link(text)})}
            for a, s, text in zip(articles, scores, texts, strict=True)]
    statement = (dialect_insert(session, MonitorArticle.__table__).values(rows)
                 .on_conflict_do_nothing(index_elements=["article_key"])
                 .returning(MonitorArticle.__table__.c.id))
    return len(session.execute(statement).all())
