"""Profile the monitor's ingest path in one process: where a post's CPU time goes.

    .venv/bin/python bench/profile_monitor.py [--part file|nats|sqlite|startup]
        [--copies 1] [--no-lang] [--top 25] [--batch 2000]

Builds the benchmark's data (the airline tweets as X API v2 lines, ``--copies`` times; see
``bench_monitor.py``) and a fresh PostgreSQL schema with the six airline titles, opens the monitor
as ``clearance monitor ingest`` does (``runtime.open_monitor``; its CPU time is printed as
*start-up*), then runs under cProfile:

* **file** — ``ingest_file`` into PostgreSQL (``sqlite``: into a fresh SQLite file);
* **nats** — the lines published to a fresh JetStream stream (outside the profile), then
  ``stream.consume`` until idle.

Prints the posts per CPU-second of the profiled part (process CPU time, measured without the
profiler in a second identical run when ``--plain`` is given) and the top functions by own time
and by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_monitor import CATALOG, Schema, _drop_stream, _stream_env, run, x_lines


def _cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def _settings(env: dict[str, str]) -> Any:
    os.environ.update(env)
    from clearance.settings import get_settings

    return get_settings()


def _print_stats(profile: cProfile.Profile, top: int) -> None:
    for key in ("tottime", "cumulative"):
        buffer = io.StringIO()
        stats = pstats.Stats(profile, stream=buffer)
        stats.strip_dirs().sort_stats(key).print_stats(top)
        text = buffer.getvalue()
        start = text.find("   ncalls")
        print(f"--- top {top} by {key}")
        print(text[start:].rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["file", "nats", "sqlite", "startup"],
                        default="file")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--no-lang", action="store_true", help="posts without lang (CLD3)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--plain", action="store_true", help="no profiler: CPU time only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="clearance-profile-monitor-"))
    lines = x_lines(args.copies, with_lang=not args.no_lang)
    path = folder / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    schema: Schema | None = None
    if args.part == "sqlite":
        env = {**os.environ, "CLEARANCE_DATA_DIR": str(folder / "data"),
               "CLEARANCE_DATABASE_URL": f"sqlite:///{folder / 'monitor.db'}"}
    else:
        schema = Schema()
        env = schema.env(folder)
    if args.part == "nats":
        env = _stream_env(env)
    try:
        run(env, "catalog", "import", str(folder / "catalog.yaml"))
        if args.part == "nats":
            run(env, "monitor", "replay", str(path), "--speed", "0")
        settings = _settings(env)
        from clearance.monitor import runtime

        cpu0, wall0 = _cpu(), time.perf_counter()
        with runtime.open_monitor(settings, need_scorer=True) as monitor:
            cpu1, wall1 = _cpu(), time.perf_counter()
            print(f"start-up: {cpu1 - cpu0:.2f} s CPU, {wall1 - wall0:.2f} s wall")
            if args.part == "startup":
                return 0
            profile = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
            if not args.plain:
                profile.enable()
            if args.part == "nats":
                from clearance.monitor.stream import consume

                report: Any = asyncio.run(consume(settings, monitor.pipeline,
                                                  batch=args.batch, until_idle=1.0))
                stored = report.stored
            else:
                from clearance.monitor.ingest import ingest_file

                report = ingest_file(monitor.pipeline, path, batch=args.batch)
                stored = report.stored
            profile.disable()
            cpu2, wall2 = _cpu(), time.perf_counter()
        load = os.getloadavg()[0]
        print(f"{args.part}: {stored} of {len(lines)} posts stored, {cpu2 - cpu1:.2f} s CPU "
              f"({stored / (cpu2 - cpu1):,.0f} posts per CPU-second"
              f"{', profiled' if not args.plain else ''}), {wall2 - wall1:.2f} s wall "
              f"({stored / (wall2 - wall1):,.0f} posts/s), load average {load:.1f}")
        if not args.plain:
            _print_stats(profile, args.top)
    finally:
        if args.part == "nats":
            asyncio.run(_drop_stream(env))
        if schema is not None:
            schema.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
