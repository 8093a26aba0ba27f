"""Petitions: signature-count snapshots, velocity and a forecast of the count.

**Snapshots** are read from (see ``docs/monitor.md``):

* a CSV with ``timestamp,count`` (optional ``url``/``petition`` and ``title``/``action``
  columns), as the UK petition trackers write them;
* JSON: one snapshot object ``{"url", "title", "count", "time"}``, a list of them, or JSON Lines;
* petition.parliament.uk's JSON (``GET /petitions/<id>.json``: ``data.attributes.action``,
  ``signature_count``, ``updated_at``; ``links.self``), one response per line or a list.

**Velocity** is signatures per hour over the last hour (between the last snapshot and the last one
at least an hour older; with sparser snapshots, between the last two).

**Forecast** (:func:`forecast`): petitions grow in bursts that slow down, and they are signed by
day more than by night. The projected rate is the mean of two rates carried forward — the last
:data:`RECENT_HOURS` hours' (a burst forming or fading shows there first) and the last 24 hours'
(the whole daily cycle) — for the first day; after that each further day's rate is the previous
day's times the day-over-day ratio of the last two days, clipped to [:data:`MIN_DAILY_RATIO`, 1]
(bursts fade; none is assumed to grow beyond the first day). Chosen on the 24-hour-ahead error on
``../shared/data/uk-petition-timeseries`` against the straight line through the last 24 hours
(the baseline the issue names), the last 6 hours' line and a day-over-day damped rate, in the same
run; figures in ``docs/monitor.md`` (``bench/eval_monitor.py``). Only the first day is measured;
the later days' decay is a judgement. ``crossing`` says when the forecast passes a threshold
(100,000 signatures: the UK Parliament's debate threshold), if within the horizon.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from clearance.errors import InputError, Problem
from clearance.monitor.posts import PostProblem, parse_time

RECENT_HOURS: Final = 6.0
MIN_DAILY_RATIO: Final = 0.5
HORIZON_HOURS: Final = 168
DEBATE_THRESHOLD: Final = 100_000


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One count of one petition at one time."""

    petition: str
    action: str
    at: dt.datetime
    count: int


@dataclass(frozen=True, slots=True)
class Forecast:
    """The projected count per hour ahead (``counts[h-1]`` at ``origin + h`` hours), the
    velocity now (signatures/hour) and the day-over-day ratio used after the first day."""

    origin: dt.datetime
    count: int
    velocity: float
    damping: float
    counts: tuple[float, ...]

    def at_hours(self, hours: int) -> float:
        return self.counts[min(hours, len(self.counts)) - 1] if hours > 0 else float(self.count)

    def crossing(self, threshold: int = DEBATE_THRESHOLD) -> dt.datetime | None:
        """When the projected count passes ``threshold`` (the hour it does), or ``None`` when
        not within the horizon (or passed already: then the origin)."""
        if self.count >= threshold:
            return self.origin
        for h, value in enumerate(self.counts, start=1):
            if value >= threshold:
                return self.origin + dt.timedelta(hours=h)
        return None


def _rate(times: Sequence[float], counts: Sequence[float], start: float, end: float) -> float:
    """Signatures per hour between ``start`` and ``end`` (POSIX seconds), by interpolation."""
    def at(t: float) -> float:
        if t <= times[0]:
            return counts[0]
        if t >= times[-1]:
            return counts[-1]
        lo, hi = 0, len(times) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if times[mid] <= t:
                lo = mid
            else:
                hi = mid
        span = times[hi] - times[lo]
        w = (t - times[lo]) / span if span else 0.0
        return counts[lo] + w * (counts[hi] - counts[lo])
    hours = (end - start) / 3600.0
    return max(at(end) - at(start), 0.0) / hours if hours > 0 else 0.0


def velocity(times: Sequence[float], counts: Sequence[float]) -> float:
    """Signatures per hour now (see the module docstring)."""
    if len(times) < 2:
        return 0.0
    end = times[-1]
    start = end - 3600.0 if end - times[0] >= 3600.0 else times[-2]
    return _rate(times, counts, max(start, times[0]), end)


def forecast(times: Sequence[float], counts: Sequence[float], *,
             horizon_hours: int = HORIZON_HOURS) -> Forecast:
    """The forecast of the module docstring, from snapshots up to now (POSIX seconds,
    increasing)."""
    if not times:
        raise ValueError("no snapshots")
    now, count = times[-1], counts[-1]
    day = 24 * 3600.0
    if now - times[0] <= 0:
        return Forecast(_utc(now), int(count), 0.0, 1.0, (float(count),) * horizon_hours)
    recent = _rate(times, counts, max(times[0], now - RECENT_HOURS * 3600.0), now)
    daily = _rate(times, counts, max(times[0], now - day), now)
    rate = 0.5 * recent + 0.5 * daily
    before = _rate(times, counts, now - 2 * day, now - day) if now - times[0] >= 2 * day else 0.0
    ratio = min(max(daily / before, MIN_DAILY_RATIO), 1.0) if before > 0 and daily > 0 else 1.0
    hourly = ratio ** (1 / 24)
    out, total, step = [], float(count), rate
    for h in range(horizon_hours):
        if h >= 24:
            step *= hourly
        total += step
        out.append(total)
    return Forecast(_utc(now), int(count), velocity(times, counts), ratio, tuple(out))


def linear_forecast(times: Sequence[float], counts: Sequence[float], hours: float,
                    *, window_hours: float = 24.0) -> float:
    """The baseline: the straight line through the last ``window_hours`` carried forward."""
    now = times[-1]
    start = max(times[0], now - window_hours * 3600.0)
    return counts[-1] + _rate(times, counts, start, now) * hours


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


# -- reading snapshots ---------------------------------------------------------------------

def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise PostProblem("count is not a number")
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        raise PostProblem(f"count {value!r} is not a number") from None
    if number < 0:
        raise PostProblem(f"count {number} is negative")
    return number


def snapshot_from_object(obj: Any, default_petition: str) -> Snapshot:
    if not isinstance(obj, dict):
        raise PostProblem("a snapshot must be a JSON object")
    data = obj.get("data")
    if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
        attrs = data["attributes"]
        links = obj.get("links") if isinstance(obj.get("links"), dict) else {}
        url = (links or {}).get("self") or f"parliament:{data.get('id')}"
        return Snapshot(str(url).removesuffix(".json"), str(attrs.get("action") or ""),
                        parse_time(attrs.get("updated_at") or attrs.get("created_at")),
                        _count(attrs.get("signature_count")))
    petition = obj.get("url") or obj.get("petition") or default_petition
    return Snapshot(str(petition), str(obj.get("title") or obj.get("action") or ""),
                    parse_time(obj.get("time") or obj.get("timestamp") or obj.get("at")),
                    _count(obj.get("count")))


def read_snapshots(path: Path, petition: str | None = None
                   ) -> Iterator[tuple[int, Snapshot | Problem]]:
    """``(line, snapshot or problem)`` for each snapshot in ``path`` (see the module
    docstring); ``petition`` names the petition when the file does not (default: the file's
    name)."""
    name = str(path)
    default = petition or path.stem
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {name}: {exc}") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not {"timestamp", "count"} <= set(reader.fieldnames or ()):
            raise InputError(f"{name}: a petition CSV needs the columns timestamp,count")
        previous_end = reader.line_num
        for row in reader:
            line, previous_end = previous_end + 1, reader.line_num
            try:
                yield line, Snapshot(row.get("url") or row.get("petition") or default,
                                     row.get("title") or row.get("action") or "",
                                     parse_time(row.get("timestamp")), _count(row.get("count")))
            except PostProblem as exc:
                yield line, Problem(str(exc), name, line)
        return
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
        for i, obj in enumerate(items, start=1):
            try:
                yield i, snapshot_from_object(obj, default)
            except PostProblem as exc:
                yield i, Problem(f"item {i}: {exc}", name)
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, snapshot_from_object(json.loads(raw), default)
        except json.JSONDecodeError as exc:
            yield number, Problem(f"malformed JSON ({exc.msg})", name, number)
        except PostProblem as exc:
            yield number, Problem(str(exc), name, number)
