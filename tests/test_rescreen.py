"""Re-screening the catalog (issue 13): live versions into screenings and the review queue, through
the findings cache; a second run does nothing, a crashed run is continued without doubling, a
policy change runs no model, a detector change re-runs that detector alone, and local processes
give what the driver's own process gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import Engine, func, select

from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.detectors.rating import MatureRatingDetector
from clearance.findings import Attr, Emits, Fact, Finding, Label
from clearance.policy.loader import parse_policy_text
from clearance.screening import Screener
from clearance.screening.engines import InlineEngine, LocalEngine
from clearance.screening.rescreen import Selection, rescreen
from clearance.screening.tasks import ScreenTask, TaskResult, TaskScreener
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import AssetVersion
from clearance.storage.rescreen_models import FindingsCacheEntry
from clearance.storage.review_models import ReviewItem
from clearance.storage.screening_models import Screening
from rescreen_world import make_catalog


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(semantic="off", data_dir=tmp_path, database_url=database_url,
                    blob_dir=tmp_path / "blobs")


@pytest.fixture
def world(engine: Engine, blobs: LocalBlobStore, tmp_path: Path,
          database_url: str) -> Iterator[tuple[Engine, Settings, Screener, dict[str, int]]]:
    settings = _settings(tmp_path, database_url)
    ids = make_catalog(engine, blobs)
    yield engine, settings, Screener.from_settings(settings), ids


def _inline(screener: Screener, blobs: LocalBlobStore, ran: list[ScreenTask] | None = None,
            ) -> InlineEngine:
    class Recording(TaskScreener):
        def run(self, tasks: Sequence[ScreenTask]) -> list[TaskResult]:
            if ran is not None:
                ran.extend(tasks)
            return super().run(tasks)

    return InlineEngine(Recording(Settings(semantic="off"), screener=screener, blobs=blobs))


def _queue(engine: Engine) -> list[tuple[int, str, str]]:
    with session_scope(engine) as s:
        return [(i.version_id, i.screening_decision, i.state) for i in s.scalars(
            select(ReviewItem).order_by(ReviewItem.version_id, ReviewItem.round))]


def _latest_decisions(engine: Engine) -> dict[int, str]:
    with session_scope(engine) as s:
        return {r.version_id: r.decision for r in s.scalars(
            select(Screening).order_by(Screening.id))}


def test_rescreen_queues_exactly_the_review_and_block_versions_and_a_second_run_does_nothing(
        world: tuple[Engine, Settings, Screener, dict[str, int]],
        blobs: LocalBlobStore) -> None:
    engine, _, screener, ids = world
    first = rescreen(engine, screener, Selection(), engine=lambda: _inline(screener, blobs),
                     default_team="catalog")
    decided = _latest_decisions(engine)
    assert first.selected == first.screened == len(ids) == len(decided)
    assert first.decisions["block"] >= 1 and decided[ids["t1"]] == "block"
    flagged = sorted(v for v, d in decided.items() if d != "pass")
    assert first.queued == len(flagged)
    assert [(v, st) for v, _, st in _queue(engine)] == [(v, "queued") for v in flagged]
    with session_scope(engine) as s:  # the imported catalog's items go to the default team
        assert {i.team_id for i in s.scalars(select(ReviewItem))} == {"catalog"}
    ran: list[ScreenTask] = []
    second = rescreen(engine, screener, Selection(),
                      engine=lambda: _inline(screener, blobs, ran))
    assert (second.screened, second.queued, second.ran, ran) == (0, 0, 0, [])
    assert second.unchanged == len(ids) and second.to_dict()["screened"] == 0
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Screening)) == len(ids)


def test_a_run_killed_midway_is_continued_by_the_next_with_nothing_doubled(
        world: tuple[Engine, Settings, Screener, dict[str, int]],
        blobs: LocalBlobStore) -> None:
    engine, _, screener, ids = world

    class Dies(InlineEngine):
        def run(self, tasks: Sequence[ScreenTask]) -> Iterator[TaskResult]:
            for n, r in enumerate(super().run(tasks)):
                if n == 3:
                    raise KeyboardInterrupt  # killed
                yield r

    inner = _inline(screener, blobs)
    with pytest.raises(KeyboardInterrupt):
        rescreen(engine, screener, Selection(),
                 engine=lambda: Dies(inner.screener, batch_size=1), write_batch=1)
    done = _latest_decisions(engine)
    assert 0 < len(done) < len(ids)
    ran: list[ScreenTask] = []
    rest = rescreen(engine, screener, Selection(), engine=lambda: _inline(screener, blobs, ran),
                    write_batch=1)
    assert rest.screened == len(ids) - len(done) == len({t.version_id for t in ran})
    with session_scope(engine) as s:
        per_version = s.execute(select(Screening.version_id, func.count())
                                .group_by(Screening.version_id)).all()
        items = s.execute(select(ReviewItem.version_id, func.count())
                          .group_by(ReviewItem.version_id)).all()
    assert len(per_version) == len(ids) and all(n == 1 for _, n in per_version)
    assert all(n == 1 for _, n in items)
    flagged = sorted(v for v, d in _latest_decisions(engine).items() if d != "pass")
    assert sorted(v for v, _ in items) == flagged


LOWER = """
policy: lower
version: "1"
description: the default's tiers plus a rule that sends every mature rating to review
rules:
  - name: mature-rating
    description: a mature title's copy is looked at
    outcome: review
    when:
      finding: rating.mature
"""


def test_a_policy_change_re_decides_from_the_cache_without_running_a_model(
        world: tuple[Engine, Settings, Screener, dict[str, int]],
        blobs: LocalBlobStore) -> None:
    engine, settings, screener, ids = world
    rescreen(engine, screener, Selection(), engine=lambda: _inline(screener, blobs))
    stricter = Screener(screener.detectors, parse_policy_text(LOWER, "lower.yaml"),
                        max_text_bytes=settings.max_text_bytes)
    ran: list[ScreenTask] = []
    summary = rescreen(engine, stricter, Selection(), engine=None)
    assert summary.ran == 0 and not ran
    assert summary.screened == len(ids) and summary.decisions["review"] == len(ids)
    # every version now decided review: the blocked one opened a new round, the passed ones
    # entered the queue
    queue = _queue(engine)
    assert {v for v, d, st in queue if st == "queued"} == set(ids.values())
    assert ("superseded" in {st for v, _, st in queue if v == ids["t1"]})


class _Counting(Detector):
    """A copy detector whose version the test changes: counts the items it reads."""

    name: ClassVar[str] = "counting"
    version: ClassVar[str] = "1"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"text"})
    emits: ClassVar[Emits] = {Label.RATING_MATURE: {"rating": Attr(str)}}
    seen: ClassVar[list[str]] = []

    def detect(self, item: Item, analysis: object = None) -> Sequence[Finding]:
        type(self).seen.append(item.name)
        return (Finding(Label.RATING_MATURE, 0.5, Fact("rating", "x"), self.name, self.version,
                        attributes=(("rating", "x"),)),)

    @classmethod
    def examples(cls) -> Sequence[Example]:
        return ()


def test_a_detector_change_re_runs_that_detector_alone(
        world: tuple[Engine, Settings, Screener, dict[str, int]],
        blobs: LocalBlobStore) -> None:
    engine, settings, screener, ids = world
    _Counting.seen.clear()
    counting = _Counting()
    first = Screener([*screener.detectors, counting], screener.policy,
                     max_text_bytes=settings.max_text_bytes)
    rescreen(engine, first, Selection(), engine=lambda: _inline(first, blobs))
    assert len(_Counting.seen) == len(ids)

    class Counting2(_Counting):
        version: ClassVar[str] = "2"

    _Counting.seen.clear()
    second = Screener([*screener.detectors, Counting2()], screener.policy,
                      max_text_bytes=settings.max_text_bytes)
    ran: list[ScreenTask] = []
    summary = rescreen(engine, second, Selection(), engine=lambda: _inline(second, blobs, ran))
    assert len(_Counting.seen) == len(ids) == summary.ran
    assert all(set(t.skip) == {d.name for d in screener.detectors if d.accepts(
        Item("text"))} for t in ran)
    with session_scope(engine) as s:
        versions = set(s.scalars(select(FindingsCacheEntry.detector_version)
                                 .where(FindingsCacheEntry.detector == "counting")))
    assert versions == {"1", "2"}


def test_the_rating_is_part_of_the_cache_key() -> None:
    det = MatureRatingDetector()
    assert det.input_key(Item("text", rating="TV-MA")) != det.input_key(Item("text", rating="PG"))


def test_filters_and_dry_run(world: tuple[Engine, Settings, Screener, dict[str, int]],
                             blobs: LocalBlobStore) -> None:
    engine, _, screener, ids = world
    dry = rescreen(engine, screener, Selection(), engine=lambda: _inline(screener, blobs),
                   dry_run=True)
    assert dry.screened == len(ids) and dry.queued >= 1
    assert _latest_decisions(engine) == {} and _queue(engine) == []
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(FindingsCacheEntry)) == 0
    only = rescreen(engine, screener, Selection(kind="tagline"),
                    engine=lambda: _inline(screener, blobs))
    assert only.selected == only.screened == 1
    blocked = rescreen(engine, screener, Selection(title_id="t1"),
                       engine=lambda: _inline(screener, blobs))
    assert blocked.decisions["block"] == 1
    again = rescreen(engine, screener, Selection(decision="block"), engine=None)
    assert again.selected == 1 and again.unchanged == 1
    now = dt.datetime.now(dt.UTC)
    stale = rescreen(engine, screener, Selection(screened_before=now - dt.timedelta(days=1)),
                     engine=lambda: _inline(screener, blobs))
    assert stale.selected == len(ids) - 2  # the two screened above are recent
    assert rescreen(engine, screener, Selection(screened_before=now + dt.timedelta(days=1)),
                    engine=None).selected == len(ids)


def test_local_processes_decide_what_the_driver_decides(
        world: tuple[Engine, Settings, Screener, dict[str, int]], blobs: LocalBlobStore,
        database_url: str) -> None:
    engine, settings, screener, ids = world
    if not database_url.startswith("sqlite"):
        pytest.skip("one database is enough for the engines (their workers only read blobs)")
    rescreen(engine, screener, Selection(), engine=lambda: _inline(screener, blobs),
             dry_run=True)
    summary = rescreen(engine, screener, Selection(),
                       engine=lambda: LocalEngine(settings, screener.versions, workers=2,
                                                  batch_size=2))
    assert summary.screened == len(ids) and 1 <= len(summary.worker_rss_kb) <= 2
    local = _latest_decisions(engine)
    with session_scope(engine) as s:
        local_findings = {r.version_id: r.findings for r in s.scalars(select(Screening))}
        versions = {v.id: v for v in s.scalars(select(AssetVersion))}
        assert set(versions) == set(local)
    direct = {vid: screener.screen_text(blobs.get(versions[vid].content_sha256).decode(),
                                        rating="TV-MA") for vid in ids.values()
              if vid != ids["t2-tagline"] and vid != ids["t2"]}
    for vid, r in direct.items():
        assert local[vid] == r.decision.outcome
        assert local_findings[vid] == [f.to_dict(precise=True) for f in r.findings]


@pytest.mark.shared_data
def test_the_real_catalog_head_queues_exactly_its_review_and_block_versions(
        shared_data_dir: Path, tmp_path: Path, engine: Engine, blobs: LocalBlobStore,
        database_url: str) -> None:
    """The first 400 titles of the real catalog (the whole one is bench/bench_rescreen.py's
    acceptance): the queue holds exactly the versions decided review/block, a second run adds
    nothing."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the storage contract runs on both databases above")
    from clearance.catalog.importer import import_catalog

    head = tmp_path / "head.csv"
    lines = (shared_data_dir / "netflix-titles" / "netflix_titles.csv").read_text(
        encoding="utf-8").splitlines(keepends=True)
    head.write_text("".join(lines[:401]), encoding="utf-8")
    with session_scope(engine) as s:
        import_catalog(s, blobs, head, created_by="test")
    # the copy classifier on (CLEARANCE_SEMANTIC=auto), as a user runs it
    settings = _settings(tmp_path, database_url).model_copy(update={"semantic": "auto"})
    screener = Screener.from_settings(settings)
    first = rescreen(engine, screener, Selection(), engine=lambda: _inline(screener, blobs),
                     default_team="catalog")
    flagged = sorted(v for v, d in _latest_decisions(engine).items() if d != "pass")
    assert first.screened == first.selected >= 390 and first.failed == 0
    assert first.queued == len(flagged) > 0
    assert sorted(v for v, _, st in _queue(engine) if st == "queued") == flagged
    second = rescreen(engine, screener, Selection(), engine=None)
    assert (second.screened, second.queued, second.ran) == (0, 0, 0)
