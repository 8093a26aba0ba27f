"""The monitor's ingest: platform shapes, times in any zone, bad lines located and skipped,
idempotent and checkpointed file runs, linking, retention and deletion requests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from clearance.cli.main import cli
from clearance.monitor import retention
from clearance.monitor.catalog_names import linker_from_catalog
from clearance.monitor.ingest import Pipeline, ingest_file, read_posts
from clearance.monitor.linking import CatalogNames, Linker
from clearance.monitor.posts import (
    Post,
    PostProblem,
    parse_time,
    post_from_csv,
    posts_from_object,
)
from clearance.monitor.scoring import Scorer
from clearance.monitor.store import store_batch
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.monitor_models import MonitorBucket, MonitorPost, MonitorPostLink
from monitor_world import CATALOG, ORIGINAL_SYNOPSIS, load_catalog, write_posts, x_line

T0 = dt.datetime(2020, 8, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.fixture
def pipeline(engine: Engine, blobs: LocalBlobStore, tmp_path: Path,
             scorer: Scorer) -> Iterator[Pipeline]:
    load_catalog(engine, blobs, tmp_path)
    with session_scope(engine) as session:
        linker = linker_from_catalog(session, blobs, service_names=("Netflix",))
    yield Pipeline(engine, linker, scorer)


# -- shapes and times ----------------------------------------------------------------------

def test_x_response_takes_author_and_followers_from_includes() -> None:
    line = json.loads(x_line("42", "hello Cuties", T0, followers=1234))
    (post,) = posts_from_object(line)
    assert (post.key, post.author, post.reach, post.lang) == ("x:42", "user42", 1234, "en")
    assert post.created_at == T0


def test_reddit_bluesky_shapes() -> None:
    comment, = posts_from_object({"kind": "t1", "data": {
        "id": "g2k3", "name": "t1_g2k3", "body": "Cuties is gross", "created_utc": 1597924800,
        "author": "someone", "score": 12, "permalink": "/r/movies/comments/x/y/g2k3/"}})
    assert (comment.key, comment.reach, comment.author) == ("reddit:t1_g2k3", 12, "someone")
    submission, = posts_from_object({"id": "abc", "title": "Cuties poster", "selftext": "why",
                                     "created_utc": "1597924800", "url": "https://x.org/a"})
    assert submission.key == "reddit:t3_abc" and submission.text == "Cuties poster\nwhy"
    assert submission.links == ("https://x.org/a",)
    record = {"$type": "app.bsky.feed.post", "text": "Mignonnes scandale",
              "createdAt": "2020-08-20T14:00:00+02:00", "langs": ["fr"]}
    view, = posts_from_object({"uri": "at://did:plc:abc/app.bsky.feed.post/3k1",
                               "record": record, "author": {"handle": "a.bsky.social"},
                               "likeCount": 3})
    assert view.key == "bsky:at://did:plc:abc/app.bsky.feed.post/3k1"
    assert (view.lang, view.reach, view.created_at) == ("fr", 3, T0)
    commit, = posts_from_object({"did": "did:plc:abc", "time_us": 1, "kind": "commit",
                                 "commit": {"operation": "create", "rkey": "3k2",
                                            "collection": "app.bsky.feed.post",
                                            "record": record}})
    assert commit.id == "at://did:plc:abc/app.bsky.feed.post/3k2"
    with pytest.raises(PostProblem, match="without its AT URI"):
        list(posts_from_object(record))


@pytest.mark.parametrize(("text", "expected"), [
    ("2015-02-24 11:35:52 -0800", dt.datetime(2015, 2, 24, 19, 35, 52, tzinfo=dt.UTC)),
    ("Tue Feb 24 11:35:52 +0000 2015", dt.datetime(2015, 2, 24, 11, 35, 52, tzinfo=dt.UTC)),
    ("2015-02-24T11:35:52Z", dt.datetime(2015, 2, 24, 11, 35, 52, tzinfo=dt.UTC)),
    ("2015-02-24T12:35:52+01:00", dt.datetime(2015, 2, 24, 11, 35, 52, tzinfo=dt.UTC)),
    ("1424777752", dt.datetime(2015, 2, 24, 11, 35, 52, tzinfo=dt.UTC)),
    ("1424777752000", dt.datetime(2015, 2, 24, 11, 35, 52, tzinfo=dt.UTC)),
    ("2015-02-24 11:35:52", dt.datetime(2015, 2, 24, 11, 35, 52, tzinfo=dt.UTC)),
])
def test_times_in_other_zones_and_formats(text: str, expected: dt.datetime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(("obj", "message"), [
    ({"data": {"text": "no id", "created_at": "2020-08-20T12:00:00Z"}}, "no id"),
    ({"data": {"id": "1", "text": "no time"}}, "no time"),
    ({"data": {"id": "1", "text": "x", "created_at": "yesterday"}}, "unreadable time"),
    ({"data": {"id": "1", "text": "  ", "created_at": "2020-08-20T12:00:00Z"}}, "empty text"),
    ({"foo": 1}, "not a post in a known shape"),
])
def test_bad_posts_say_why(obj: dict[str, object], message: str) -> None:
    with pytest.raises(PostProblem, match=message):
        list(posts_from_object(obj))


def test_csv_row() -> None:
    post = post_from_csv({"id": "7", "created_at": "2020-08-20 14:00:00 +0200",
                          "text": "Cuties", "platform": "tiktok", "reach": "5"})
    assert (post.key, post.created_at, post.reach) == ("tiktok:7", T0, 5)


# -- linking -------------------------------------------------------------------------------

def test_common_word_titles_need_a_co_signal() -> None:
    linker = Linker([CatalogNames("s2032", ("Cuties", "Mignonnes"), ("#CutiesNetflix",),
                                  ("@CutiesFilm",), ("Fathia Youssouf",),
                                  ((7, ORIGINAL_SYNOPSIS),)),
                     CatalogNames("us", ("Us",)), CatalogNames("home", ("Home",)),
                     CatalogNames("st", ("Stranger Things",))], service_names=["Netflix"])

    def titles(text: str) -> set[str]:
        return {link.title_id for link in linker.link(text)}

    assert titles("look at these cuties, so adorable") == set()
    assert titles("Netflix's Cuties is disgusting") == {"s2032"}   # the service's name
    assert titles("Cuties the movie is disgusting") == {"s2032"}  # a film word
    assert titles("Cuties again @CutiesFilm") == {"s2032"}        # the handle
    assert titles("#CutiesNetflix") == {"s2032"}
    assert titles("Fathia Youssouf was brilliant") == {"s2032"}   # cast on one title
    assert titles("take us home") == set()
    assert titles("Us was a great movie") == {"us"}
    assert titles("stranger things have happened") == set()
    assert titles("Stranger Things season 4") == {"st"}           # the catalog's capitals
    quoted = linker.link("'becomes fascinated with a twerking dance crew' who wrote this")
    assert {(link.title_id, link.version_id) for link in quoted} == {("s2032", None),
                                                                    ("s2032", 7)}


# -- file ingest ---------------------------------------------------------------------------

def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_ingest_is_idempotent_locates_bad_lines_and_links(pipeline: Pipeline,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    write_posts(path, 20, T0)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{broken\n")
        fh.write(json.dumps({"data": {"id": "x", "text": "no time"}}) + "\n")
        fh.write(x_line("1", "a duplicate of post 1", T0) + "\n")
    report = ingest_file(pipeline, path, batch=7)
    assert (report.stored, report.duplicates, report.bad_lines) == (20, 1, 2)
    assert [p.rendered() for p in report.problems] == [
        f"{path}:21: malformed JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))", f"{path}:22: no time"]
    again = ingest_file(pipeline, path)
    assert again.resumed_after == 23 and again.stored == 0
    assert _count(pipeline.engine, MonitorPost) == 20
    with session_scope(pipeline.engine) as session:
        links = session.execute(select(MonitorPostLink.title_id, MonitorPostLink.version_id)
                                ).all()
        volume = session.scalar(select(func.sum(MonitorBucket.volume)).where(
            MonitorBucket.step == 300, MonitorBucket.version_id == 0))
        quoted = session.scalar(select(func.sum(MonitorBucket.volume)).where(
            MonitorBucket.step == 3600, MonitorBucket.version_id != 0))
    assert {t for t, _ in links} == {"s2032"}
    assert volume == 20          # every post links to Cuties exactly once
    assert quoted == 4           # every fifth post quotes the synopsis
    # a different file under the same name starts over, and dedup keeps the counts exact
    write_posts(path, 25, T0)
    third = ingest_file(pipeline, path)
    assert (third.resumed_after, third.stored, third.duplicates) == (0, 5, 20)


def test_one_batch_with_a_bad_line_a_duplicate_and_a_forgotten_post(pipeline: Pipeline,
                                                                    tmp_path: Path) -> None:
    """The batched store (COPY, one upsert of the aggregates) inside a single batch: the bad
    line is reported with its line and skipped, the second copy of a key is neither stored
    nor counted (the first is kept), a forgotten key is stored without its text, and storing
    the same batch again (a redelivery after a commit whose acknowledgement was lost) adds
    nothing to the posts, links or aggregates."""
    with session_scope(pipeline.engine) as session:
        retention.forget(session, "x:3", by="test")
    path = tmp_path / "posts.jsonl"
    write_posts(path, 6, T0)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "{not json")
    lines.insert(4, x_line("2", "Cuties film, the same post again", T0))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_file(pipeline, path, batch=100)
    assert (report.stored, report.duplicates, report.bad_lines) == (6, 1, 1)
    assert [p.line for p in report.problems] == [3]

    def state() -> tuple[object, ...]:
        with session_scope(pipeline.engine) as session:
            posts = {p.post_key: (p.text, p.text_removed)
                     for p in session.scalars(select(MonitorPost))}
            links = session.scalar(select(func.count()).select_from(MonitorPostLink))
            buckets = session.execute(
                select(MonitorBucket.step, MonitorBucket.version_id,
                       func.sum(MonitorBucket.volume), func.sum(MonitorBucket.reach),
                       func.sum(MonitorBucket.boycott))
                .group_by(MonitorBucket.step, MonitorBucket.version_id)
                .order_by(MonitorBucket.step, MonitorBucket.version_id)).all()
        return posts, links, [tuple(r) for r in buckets]

    posts, links, buckets = state()
    assert len(posts) == 6 and posts["x:3"] == (None, "deleted")
    assert posts["x:2"][0] is not None and "the same post again" not in str(posts["x:2"][0])
    version_volume = sum(v for step, vid, v, _r, _b in buckets if vid and step == 300)
    assert [(step, v, r) for step, vid, v, r, _b in buckets if not vid] == [
        (300, 6, 0 + 1 + 2 + 3 + 4 + 5), (3600, 6, 15)]
    assert links == 6 + version_volume
    prepared = pipeline.prepare([post for _, post in _posts_of(path)])
    with session_scope(pipeline.engine) as session:
        again = store_batch(session, prepared)
    assert (again.stored, again.duplicates, again.links) == (0, 7, 0)
    assert state() == (posts, links, buckets)


def _posts_of(path: Path) -> list[tuple[int, Post]]:
    return [(line, item) for line, item in read_posts(path) if isinstance(item, Post)]


def test_a_crash_mid_file_resumes_after_the_last_stored_batch(pipeline: Pipeline,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    write_posts(path, 30, T0)
    calls = []

    def crash(report: object) -> None:
        calls.append(report)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_file(pipeline, path, batch=10, on_batch=crash)
    assert _count(pipeline.engine, MonitorPost) == 20
    report = ingest_file(pipeline, path, batch=10)
    assert (report.resumed_after, report.stored, report.duplicates) == (20, 10, 0)
    with session_scope(pipeline.engine) as session:
        assert session.scalar(select(func.sum(MonitorBucket.volume)).where(
            MonitorBucket.step == 3600, MonitorBucket.version_id == 0)) == 30


def test_forget_removes_text_everywhere_and_for_good(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    write_posts(path, 3, T0)
    ingest_file(pipeline, path)
    with session_scope(pipeline.engine) as session:
        done = retention.forget(session, "x:2", by="test")
        early = retention.forget(session, "x:99", by="test")   # not seen yet
    assert done.was_stored and done.had_text and not early.was_stored
    later = tmp_path / "later.jsonl"
    later.write_text(x_line("99", "Cuties film, later", T0) + "\n" +
                     x_line("2", "Cuties film, redelivered", T0) + "\n", encoding="utf-8")
    ingest_file(pipeline, later)
    with session_scope(pipeline.engine) as session:
        rows = {p.post_key: p for p in session.scalars(select(MonitorPost))}
    assert rows["x:2"].text is None and rows["x:2"].author is None
    assert rows["x:2"].text_removed == "deleted"
    assert rows["x:99"].text is None and rows["x:99"].text_removed == "deleted"
    assert rows["x:1"].text is not None


def test_retention_keeps_scores_and_aggregates_only(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    write_posts(path, 4, T0)
    ingest_file(pipeline, path)
    with session_scope(pipeline.engine) as session:
        n = retention.expire(session, days=30, now=T0 + dt.timedelta(days=30, seconds=90))
    assert n == 2   # posted at T0 and T0+60 s
    with session_scope(pipeline.engine) as session:
        posts = session.scalars(select(MonitorPost).order_by(MonitorPost.created_at)).all()
        volume = session.scalar(select(func.sum(MonitorBucket.volume)).where(
            MonitorBucket.step == 300, MonitorBucket.version_id == 0))
    assert [p.text_removed for p in posts] == ["retention", "retention", None, None]
    assert posts[0].text is None and posts[0].sentiment in ("negative", "neutral", "positive")
    assert volume == 4


def test_cli_ingest_reports_bad_lines_and_exits_3(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLEARANCE_MONITOR_SERVICE_NAMES", '["Netflix"]')
    (tmp_path / "catalog.yaml").write_text(
        CATALOG, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["catalog", "import", str(tmp_path / "catalog.yaml")]
                         ).exit_code == 0
    path = tmp_path / "posts.jsonl"
    write_posts(path, 5, T0)
    with path.open("a") as fh:
        fh.write("not json\n")
    result = runner.invoke(cli, ["monitor", "ingest", str(path), "--format", "json"])
    assert result.exit_code == 3, result.output
    assert f"{path}:6: malformed JSON" in result.stderr
    summary = json.loads(result.stdout)
    assert summary[0]["stored"] == 5 and summary[0]["bad_lines"] == 1
    forgot = runner.invoke(cli, ["monitor", "forget", "x:1", "--format", "json"])
    assert forgot.exit_code == 0, forgot.output
    assert json.loads(forgot.stdout)[0]["text_removed"] is True
