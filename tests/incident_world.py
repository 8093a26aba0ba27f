"""A small world for the incident tests: the Cuties catalog of the monitor's tests, the demo's
drawn key art (benign) and the original synopsis, each screened with constructed findings
(block), approved against the block by two seniors and published; posts fed through the
monitor's own pipeline; a screener made of a fake detector for replacements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from clearance.catalog.publication import publish
from clearance.demo.art import draw_poster
from clearance.detectors.fake import FakeDetector
from clearance.findings import Fact, Finding, TextSpan
from clearance.monitor.catalog_names import linker_from_catalog
from clearance.monitor.ingest import Pipeline
from clearance.monitor.posts import Post
from clearance.monitor.scoring import Scorer
from clearance.policy.engine import Decision
from clearance.policy.loader import load_policy
from clearance.review import access, queue
from clearance.review.access import Actor
from clearance.screening import Screener, ScreenResult
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion
from monitor_world import load_catalog

UTC = dt.UTC
APPROVED = dt.datetime(2020, 8, 18, 11, 0, tzinfo=UTC)
PUBLISHED = dt.datetime(2020, 8, 18, 18, 0, tzinfo=UTC)
ONSET = dt.datetime(2020, 8, 19, 9, 0, tzinfo=UTC)

KNOWN = [Finding("minor.known", 1.0, Fact("person", name), "known-minor", "1",
                 attributes=(("age", 11), ("group", "child"), ("name", name),
                             ("person_id", i)))
         for i, name in enumerate(("A", "B", "C", "D"), 1)]
SUGGESTIVE = Finding("suggestive.image", 0.93, Fact("vendor_label", "Suggestive"), "vendor", "1",
                     attributes=(("category", "suggestive"),))
MATURE = Finding("rating.mature", 1.0, Fact("rating", "TV-MA"), "rating", "1",
                 attributes=(("rating", "TV-MA"),))
MENTION = Finding("minor.mentioned", 0.95, TextSpan(0, 7, "Amy, 11", sentence=0),
                  "minor-mention", "1", attributes=(("age", 11), ("group", "child")))


def actor(engine: Engine, username: str) -> Actor:
    with session_scope(engine) as s:
        return access.actor_for(access.get_user(s, username), "session")


class IncidentWorld:
    def __init__(self, engine: Engine, blobs: LocalBlobStore, tmp: Path) -> None:
        self.engine, self.blobs = engine, blobs
        load_catalog(engine, blobs, tmp)
        with session_scope(engine) as s:
            for name, role in (("sub", "submitter"), ("jo", "senior_reviewer"),
                               ("robin", "admin"), ("rita", "reviewer")):
                access.create_user(s, access.SYSTEM, name, role=role,
                                   team_id="studio" if role == "submitter" else None)
        self.key_art = self.version("key_art", "und", draw_poster("withdrawn"), "image/png")
        with session_scope(engine) as s:
            self.synopsis = next(v.id for a in s.query(Asset).filter_by(
                title_id="s2032", kind="synopsis") for v in a.versions)
        self.clear(self.key_art, "block", (*KNOWN, SUGGESTIVE, MATURE))
        self.clear(self.synopsis, "block", (MENTION, MATURE))
        for vid in (self.key_art, self.synopsis):
            with session_scope(engine) as s:
                publish(s, s.get_one(AssetVersion, vid), by="user:sub", now=PUBLISHED)

    def version(self, kind: str, locale: str, data: bytes, content_type: str, *,
                channel: str = "web") -> int:
        sha = self.blobs.put(data)
        with session_scope(self.engine) as s:
            asset = s.query(Asset).filter_by(title_id="s2032", kind=kind, locale=locale,
                                             channel=channel).one_or_none()
            if asset is None:
                asset = Asset(title_id="s2032", kind=kind, locale=locale, channel=channel)
                s.add(asset)
                s.flush()
            number = max((v.number for v in asset.versions), default=0) + 1
            v = AssetVersion(asset_id=asset.id, number=number, content_sha256=sha,
                             content_type=content_type, size_bytes=len(data), created_by="sub")
            s.add(v)
            s.flush()
            return v.id

    def clear(self, version_id: int, decision: str, findings: tuple[Finding, ...]) -> None:
        """Screened with ``findings`` (``decision``), approved by jo and robin (an override
        when it is a block)."""
        result = ScreenResult("x", "image", Decision(decision, "clearance-default@t"),  # type: ignore[arg-type]
                              findings)
        with session_scope(self.engine) as s:
            item, _ = queue.submit_result(s, actor(self.engine, "sub"),
                                          s.get_one(AssetVersion, version_id), result,
                                          team_id="studio")
            item_id, queued = item.id, item.state == "queued"
        for k, name in enumerate(("jo", "robin") if queued else ()):
            at = APPROVED + dt.timedelta(minutes=10 * k)
            with session_scope(self.engine) as s:
                queue.claim(s, actor(self.engine, name), item_id, lease_seconds=600, now=at)
            with session_scope(self.engine) as s:
                queue.decide(s, actor(self.engine, name), item_id, "approve",
                             reason="signed off by marketing", now=at + dt.timedelta(minutes=1))

    def screener(self, findings: tuple[Finding, ...] = (MATURE,)) -> Screener:
        return Screener([FakeDetector(list(findings))], load_policy(), max_text_bytes=100_000)

    def posts(self, scorer: Scorer, posts: list[Post]) -> None:
        with session_scope(self.engine) as s:
            linker = linker_from_catalog(s, self.blobs)
        Pipeline(self.engine, linker, scorer).process(posts)


def hourly_posts(start: dt.datetime, hours: int, per_hour: int, text: str, prefix: str,
                 *, step: int = 1) -> list[Post]:
    """``per_hour`` posts with ``text`` in each of ``hours`` hours from ``start``."""
    out = []
    for h in range(hours):
        n = per_hour + step * h if step else per_hour
        for i in range(max(n, 0)):
            at = start + dt.timedelta(hours=h, seconds=60 + i * 3600 // max(n, 1) // 2)
            out.append(Post("x", f"{prefix}{h:03d}{i:04d}", at, text, lang="en", reach=i))
    return out
