"""Benchmark the monitor: throughput from a file and from NATS, alert latency, scale in PostgreSQL.

    .venv/bin/python bench/bench_monitor.py [--part file|nats|latency|scale|all]
        [--copies 9] [--workers 2] [--scale-posts 2000000] [--out bench/results/monitor.json]

* **file** — the airline tweets (11,712) as X API v2 lines, scaled up ``--copies`` times (new ids,
  each copy 8 days later), ingested (parsed, language, sentiment/offensive/themes, linked to six
  airline "titles", stored with the aggregates) into a fresh PostgreSQL schema by ``--workers``
  processes, each its own shard; once with the platform's ``lang`` on every post (as X sends it)
  and once without (language by CLD3, as for Reddit or the CSV); and by one process into SQLite.
* **nats** — the same file replayed to a fresh JetStream stream (``--speed 0``), then consumed by
  ``--workers`` ``clearance monitor consume`` processes sharing the durable consumer, into
  PostgreSQL; posts/s from the consumers' start to the last post stored.
* **latency** — a title with two days of quiet traffic (about 4 posts per 5 minutes) and then a
  backlash (about 60 per 5 minutes), replayed at 600x through NATS to one consumer with alerts
  on: the stream time from the backlash's first post to the alert (the bucket must close: at
  least 5 minutes of stream time), and the wall time from publishing that post to the alert row.
* **scale** — ``--scale-posts`` pre-scored posts over 60 days and 200 titles (a few busy, most
  quiet) stored through the same ``store_batch`` into PostgreSQL: insert rate, the monitor
  tables' size on disk (rows, indexes, TOAST), the process's peak memory; then the 30-day
  dashboard query of the busiest title (``title_overview``: hourly buckets, petitions, alerts,
  news), the titles list and an alert's top-posts query, median and 95th percentile of 20 runs.
  10M is extrapolated linearly from the sizes (the dashboard reads the aggregates, whose size
  depends on titles x time, not on posts).

The machine is shared (2 cores): figures vary by ±20 % between runs; the JSON records the load.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from clearance.monitor.posts import parse_time
from monitor_data import REPO, airline_tweets

PG = os.environ.get("CLEARANCE_TEST_POSTGRES_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLEARANCE = str(Path(sys.executable).with_name("clearance"))
CATALOG = """format: clearance-catalog/1
titles:
  - {id: united, original_title: United Airlines, type: movie, handles: ["@united"]}
  - {id: usairways, original_title: US Airways, type: movie, handles: ["@USAirways"]}
  - {id: american, original_title: American Airlines, type: movie, handles: ["@AmericanAir"]}
  - {id: southwest, original_title: Southwest Airlines, type: movie, handles: ["@SouthwestAir"]}
  - {id: jetblue, original_title: JetBlue, type: movie, handles: ["@JetBlue"]}
  - {id: virgin, original_title: Virgin America, type: movie, handles: ["@VirginAmerica"]}
"""


def x_lines(copies: int, *, with_lang: bool) -> list[str]:
    base = airline_tweets()
    out: list[tuple[str, str]] = []
    for c in range(copies):
        for i, a in enumerate(base):
            at = parse_time(a.created) + dt.timedelta(days=8 * c)
            tweet: dict[str, Any] = {"id": str(10_000_000 * (c + 1) + i), "text": a.text,
                                     "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                     "author_id": f"u{i}",
                                     "public_metrics": {"retweet_count": a.retweets,
                                                        "like_count": 0, "reply_count": 0,
                                                        "quote_count": 0}}
            if with_lang:
                tweet["lang"] = "en"
            out.append((tweet["created_at"], json.dumps({"data": tweet, "includes": {"users": [
                {"id": f"u{i}", "username": a.handle,
                 "public_metrics": {"followers_count": 50 + i % 5000}}]}})))
    # in time order, as a stream delivers them (a batch then adds to a few buckets, not to a
    # bucket per post)
    return [line for _, line in sorted(out)]


class Schema:
    """A fresh PostgreSQL schema, migrated, with the airline catalog."""

    def __init__(self) -> None:
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(PG, poolclass=NullPool)
        with self.admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = make_url(PG).update_query_dict(
            {"options": f"-csearch_path={self.name}"}).render_as_string(hide_password=False)
        from clearance.storage import upgrade

        upgrade(self.url)

    def env(self, folder: Path) -> dict[str, str]:
        return {**os.environ, "CLEARANCE_DATABASE_URL": self.url,
                "CLEARANCE_DATA_DIR": str(folder)}

    def drop(self) -> None:
        with self.admin.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([CLEARANCE, *args], env=env, capture_output=True, text=True,
                          check=False, timeout=3600)
    if done.returncode not in (0, 3):
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout


def _wait_cpu(procs: list[subprocess.Popen[Any]]) -> float:
    """Wait for ``procs``; the CPU seconds (user + system) they used, start-up included."""
    total = 0.0
    for p in procs:
        _, _, usage = os.wait4(p.pid, 0)
        p.returncode = 0
        total += usage.ru_utime + usage.ru_stime
    return total


def _load() -> float:
    return os.getloadavg()[0]


def _startup_cpu(env: dict[str, str], folder: Path, *args: str) -> float:
    """CPU seconds of one ``clearance monitor ARGS`` that has nothing to do (an empty file; for
    ``consume`` an empty stream, until idle): the imports, the models and the linker, paid once
    per process. Best of two."""
    empty = folder / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    best = float("inf")
    for _ in range(2):
        argv = [a if a != "EMPTY" else str(empty) for a in args]
        proc = subprocess.Popen([CLEARANCE, "monitor", *argv], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, _wait_cpu([proc]))
    return best


def _net(posts: int, cpu: float, startup: float, workers: int) -> dict[str, float]:
    return {"startup_cpu_seconds_per_process": round(startup, 2),
            "posts_per_cpu_second_after_startup": round(posts / max(cpu - workers * startup,
                                                                    1e-9))}


def part_file(copies: int, workers: int, folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"posts": 11_712 * copies, "workers": workers}
    for with_lang in (True, False):
        lines = x_lines(copies, with_lang=with_lang)
        shards = []
        size = -(-len(lines) // workers)
        for w in range(workers):   # contiguous stretches of time, one per worker
            path = folder / f"shard-{with_lang}-{w}.jsonl"
            path.write_text("\n".join(lines[w * size:(w + 1) * size]) + "\n",
                            encoding="utf-8")
            shards.append(path)
        schema = Schema()
        try:
            env = schema.env(folder)
            (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
            run(env, "catalog", "import", str(folder / "catalog.yaml"))
            load = _load()
            started = time.perf_counter()
            procs = [subprocess.Popen([CLEARANCE, "monitor", "ingest", str(p), "--batch",
                                       "2000"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL) for p in shards]
            cpu = _wait_cpu(procs)
            seconds = time.perf_counter() - started
            key = "postgres_with_platform_lang" if with_lang else "postgres_cld3"
            startup = _startup_cpu(env, folder, "ingest", "EMPTY")
            out[key] = {"seconds": round(seconds, 2),
                        "posts_per_s": round(len(lines) / seconds),
                        "cpu_seconds": round(cpu, 2),
                        "posts_per_cpu_second": round(len(lines) / cpu),
                        **_net(len(lines), cpu, startup, workers),
                        "load_before": round(load, 2), "load_after": round(_load(), 2)}
            print(key, out[key], flush=True)
        finally:
            schema.drop()
    data = folder / "sqlite"
    env = {**os.environ, "CLEARANCE_DATA_DIR": str(data)}
    env.pop("CLEARANCE_DATABASE_URL", None)
    run(env, "catalog", "import", str(folder / "catalog.yaml"))
    path = folder / "all.jsonl"
    path.write_text("\n".join(x_lines(copies, with_lang=True)) + "\n", encoding="utf-8")
    started = time.perf_counter()
    cpu = _wait_cpu([subprocess.Popen([CLEARANCE, "monitor", "ingest", str(path), "--batch",
                                       "2000"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)])
    seconds = time.perf_counter() - started
    posts = 11_712 * copies
    out["sqlite_one_process_with_platform_lang"] = {
        "seconds": round(seconds, 2), "posts_per_s": round(posts / seconds),
        "cpu_seconds": round(cpu, 2), "posts_per_cpu_second": round(posts / cpu),
        **_net(posts, cpu, _startup_cpu(env, folder, "ingest", "EMPTY"), 1)}
    print("sqlite", out["sqlite_one_process_with_platform_lang"], flush=True)
    return out


def _stream_env(env: dict[str, str]) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {**env, "CLEARANCE_MONITOR_STREAM": f"BENCH_{tag}",
            "CLEARANCE_MONITOR_SUBJECT": f"bench.{tag}",
            "CLEARANCE_MONITOR_CONSUMER": f"bench-{tag}"}


async def _drop_stream(env: dict[str, str]) -> None:
    import nats

    nc = await nats.connect("nats://127.0.0.1:4222")
    try:
        await nc.jetstream().delete_stream(env["CLEARANCE_MONITOR_STREAM"])
    finally:
        await nc.close()


def _count(url: str, sql: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as c:
            return int(c.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def part_nats(copies: int, workers: int, folder: Path) -> dict[str, Any]:
    lines = x_lines(copies, with_lang=True)
    path = folder / "stream.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    schema = Schema()
    env = _stream_env(schema.env(folder))
    try:
        (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
        run(env, "catalog", "import", str(folder / "catalog.yaml"))
        started = time.perf_counter()
        run(env, "monitor", "replay", str(path), "--speed", "0")
        publish = time.perf_counter() - started
        load = _load()
        started = time.perf_counter()
        procs = [subprocess.Popen([CLEARANCE, "monitor", "consume", "--no-alerts",
                                   "--batch", "1000", "--until-idle", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        cpu = _wait_cpu(procs)
        seconds = time.perf_counter() - started - 2.0   # less the idle wait at the end
        stored = _count(schema.url, "SELECT count(*) FROM monitor_posts")
        startup = _startup_cpu(_stream_env(env), folder, "consume", "--no-alerts",
                               "--until-idle", "0.1")
        out = {"posts": len(lines), "stored": stored, "workers": workers,
               "publish_posts_per_s": round(len(lines) / publish),
               "consume_seconds": round(seconds, 2),
               "consume_posts_per_s": round(stored / seconds),
               "consumer_cpu_seconds": round(cpu, 2),
               "posts_per_cpu_second": round(stored / cpu),
               **_net(stored, cpu, startup, workers),
               "load_before": round(load, 2), "load_after": round(_load(), 2)}
        print("nats", out, flush=True)
        return out
    finally:
        asyncio.run(_drop_stream(env))
        schema.drop()


def part_latency(folder: Path) -> dict[str, Any]:
    rng = random.Random(11)
    onset = dt.datetime(2020, 8, 20, 12, 0, 2, tzinfo=dt.UTC)
    start = onset - dt.timedelta(days=2)
    lines, n, at = [], 0, start
    while at < onset + dt.timedelta(minutes=30):
        rate = 60 if at >= onset else 4
        for _ in range(rng.randint(rate // 2, rate * 3 // 2)):
            n += 1
            text_ = ("Boycott United, sign the petition, disgusting @united" if at >= onset
                     else "@united flight on time today")
            stamp = max(at + dt.timedelta(seconds=rng.randrange(300)), start)
            if at < onset <= stamp:
                stamp = onset - dt.timedelta(seconds=1)
            lines.append((stamp, json.dumps({"data": {
                "id": str(n), "text": f"{text_} {n}", "lang": "en",
                "created_at": stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")}})))
        at += dt.timedelta(minutes=5)
    lines.sort()
    path = folder / "latency.jsonl"
    path.write_text("\n".join(line for _, line in lines) + "\n", encoding="utf-8")
    schema = Schema()
    env = _stream_env(schema.env(folder))
    speed = 600.0
    try:
        (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
        run(env, "catalog", "import", str(folder / "catalog.yaml"))
        consumer = subprocess.Popen([CLEARANCE, "monitor", "consume", "--batch", "200",
                                     "--until-idle", "5"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
        time.sleep(3)  # the consumer's start-up
        started = time.time()
        run(env, "monitor", "replay", str(path), "--speed", str(speed))
        _, err = consumer.communicate(timeout=600)
        first_spike = (onset - lines[0][0]).total_seconds() / speed + started
        engine = create_engine(schema.url, poolclass=NullPool)
        with engine.connect() as c:
            row = c.execute(text("SELECT rule, onset, window_end, created_at FROM "
                                 "monitor_alerts WHERE rule = 'volume-spike' ORDER BY id "
                                 "LIMIT 1")).one_or_none()
            all_rules = [r[0] for r in c.execute(text(
                "SELECT rule FROM monitor_alerts ORDER BY id"))]
        engine.dispose()
        if row is None:
            return {"error": "no volume alert", "stderr": err[-1000:]}
        created = row.created_at.timestamp()
        out = {"speed": speed, "posts": len(lines), "alerts": all_rules,
               "detected_onset": row.onset.isoformat(), "true_onset": onset.isoformat(),
               "stream_seconds_to_alert": (row.window_end - onset).total_seconds(),
               "wall_seconds_from_first_spike_post_to_alert": round(created - first_spike, 2),
               "wall_seconds_the_bucket_takes_at_this_speed": round(300 / speed, 2)}
        print("latency", out, flush=True)
        return out
    finally:
        asyncio.run(_drop_stream(env))
        schema.drop()


def _scale_worker(url: str, posts: int, seed: int, queue: Any) -> None:
    from clearance.monitor.linking import Link
    from clearance.monitor.posts import Post
    from clearance.monitor.scoring import PostScore
    from clearance.monitor.store import ScoredPost, store_batch
    from clearance.storage import make_engine, session_scope

    rng = random.Random(seed)
    engine = make_engine(url)
    t0 = dt.datetime(2020, 7, 1, tzinfo=dt.UTC)
    titles = [f"t{i:03d}" for i in range(200)]
    weights = [50.0 if i < 5 else 1.0 for i in range(200)]
    words = ("film", "poster", "kids", "boycott", "great", "awful", "netflix", "watch")
    started = time.perf_counter()
    for start in range(0, posts, 5000):
        batch = []
        for j in range(start, min(posts, start + 5000)):
            title = rng.choices(titles, weights)[0]
            at = t0 + dt.timedelta(seconds=rng.randrange(60 * 86400))
            post = Post("x", f"{seed}-{j}", at, " ".join(rng.choices(words, k=12)),
                        author=f"user{rng.randrange(10**6)}", lang="en",
                        reach=rng.randrange(10_000), url=f"https://x.com/i/status/{seed}{j}")
            score = PostScore("en", rng.choice(("negative", "neutral", "positive")),
                              rng.random(), rng.random(), rng.random() < 0.1,
                              ("boycott",) if rng.random() < 0.05 else ())
            batch.append(ScoredPost(post, score, (Link(title, "name"),)))
        with session_scope(engine) as s:
            store_batch(s, batch)
    queue.put((time.perf_counter() - started,
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    engine.dispose()


def part_scale(posts: int, workers: int) -> dict[str, Any]:
    schema = Schema()
    try:
        engine = create_engine(schema.url, poolclass=NullPool)
        with engine.begin() as c:
            for i in range(200):
                c.execute(text("INSERT INTO titles (id, original_title, type, genres, "
                               "countries, created_at, updated_at) VALUES (:i, :n, 'movie', "
                               "'[]', '[]', now(), now())"), {"i": f"t{i:03d}",
                                                             "n": f"Title {i}"})
        engine.dispose()
        queue: Any = mp.get_context("spawn").Queue()
        started = time.perf_counter()
        procs = [mp.get_context("spawn").Process(
            target=_scale_worker, args=(schema.url, posts // workers, w, queue))
            for w in range(workers)]
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
        seconds = time.perf_counter() - started
        engine = create_engine(schema.url, poolclass=NullPool)
        with engine.connect() as c:
            c.execute(text("ANALYZE"))
            sizes = {t: int(c.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar()
                            or 0) for t in ("monitor_posts", "monitor_post_links",
                                            "monitor_buckets")}
            buckets = int(c.execute(text("SELECT count(*) FROM monitor_buckets")).scalar() or 0)
        engine.dispose()
        out: dict[str, Any] = {
            "posts": posts, "workers": workers, "seconds": round(seconds, 1),
            "store_posts_per_s": round(posts / seconds),
            "peak_rss_mb_per_worker": round(max(r[1] for r in results) / 1024),
            "bytes": sizes, "bytes_per_post": round(sum(sizes.values()) / posts),
            "buckets": buckets,
            "extrapolated_10m_gb": round(sum(sizes.values()) / posts * 10_000_000 / 1e9, 2)}
        out["queries"] = _dashboard_latency(schema.url)
        print("scale", out, flush=True)
        return out
    finally:
        schema.drop()


def _dashboard_latency(url: str) -> dict[str, Any]:
    from clearance.monitor.alert_context import _window_posts
    from clearance.monitor.dashboard import overview_charts, title_overview
    from clearance.monitor.signals import active_titles
    from clearance.storage import make_engine, session_scope

    engine = make_engine(url)
    out: dict[str, Any] = {}
    end = dt.datetime(2020, 8, 30, tzinfo=dt.UTC)
    cases = {
        "title_30_days_with_charts": lambda s: overview_charts(
            title_overview(s, "t000", days=30, end=end)),
        "titles_list_30_days": lambda s: active_titles(s, end - dt.timedelta(days=30)),
        "alert_top_posts_and_languages_1h": lambda s: _window_posts(
            s, "t000", end - dt.timedelta(hours=1), end),
    }
    for name, fn in cases.items():
        times = []
        for _ in range(20):
            with session_scope(engine) as s:
                started = time.perf_counter()
                fn(s)
                times.append((time.perf_counter() - started) * 1000)
        out[name] = {"median_ms": round(statistics.median(times), 1),
                     "p95_ms": round(sorted(times)[18], 1)}
    engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["file", "nats", "latency", "scale", "all"],
                        default="all")
    parser.add_argument("--copies", type=int, default=9)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale-posts", type=int, default=2_000_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "monitor.json")
    args = parser.parse_args()
    folder = Path(f"/tmp/clearance-bench-monitor-{uuid.uuid4().hex[:6]}")
    folder.mkdir(parents=True)
    results: dict[str, Any] = {}
    if args.out.exists():
        results = json.loads(args.out.read_text(encoding="utf-8"))
    results["machine"] = {"cpus": os.cpu_count(), "load": round(_load(), 2),
                          "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    parts = ["file", "nats", "latency", "scale"] if args.part == "all" else [args.part]
    for part in parts:
        if part == "file":
            results["file"] = part_file(args.copies, args.workers, folder)
        elif part == "nats":
            results["nats"] = part_nats(args.copies, args.workers, folder)
        elif part == "latency":
            results["latency"] = part_latency(folder)
        else:
            results["scale"] = part_scale(args.scale_posts, args.workers)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
