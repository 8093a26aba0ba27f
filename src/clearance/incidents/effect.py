"""Did it work? The effect of a response action on the public's reaction, measured.

**Matched windows.** Around the hour an action took effect (``h0``, the hour containing it, left
out: it mixes before and after) the same number of whole hours before and after:
``[h0 - W, h0)`` and ``[h0 + 1h, h0 + 1h + W)`` (``W`` = :data:`WINDOW_HOURS` by default). The
after window stops at the monitor's newest data (stream time); then the effect is *partial* and
says how many hours it saw.

**What is compared**, per window: the volume of posts about the title, the negative posts, each
theme of the monitor (child sexualisation, age rating, cultural/racial, boycott, praise), read
from the hourly aggregates, and each **subject** (:mod:`clearance.incidents.subjects`: the
poster, the description, the film itself), read from the posts' text.

**The change, with its uncertainty**, two ways:

* *Against the trend*: a straight line fitted (least squares) to the hourly counts of the before
  window is carried into the after window — the counterfactual "had nothing been done, the
  backlash would have gone on as it was going". The change is observed minus expected, with a
  95 % interval from the fit's residuals (the prediction variance of a sum of ``m`` new hours:
  ``s² (m + m²/n + (Σ(t - t̄))² / Sxx)``, Student's t with ``n - 2`` degrees of freedom). A
  line through a burst overshoots or undershoots what a burst does next; the interval says how
  little twelve points pin it down, and ``relative`` is only given when the expectation is
  positive.
* *Shares*: the share of the window's posts in the negative, in each theme and in each subject,
  after minus before, with a 95 % normal interval for a difference of two proportions.

**The theme shift** is named when one subject's share falls and another's rises, both with
intervals that exclude zero and by at least :data:`SHIFT_MIN` ("the backlash moved from the
poster (64% → 8% of posts) to the film itself (9% → 61%)").

Effects overlap when actions are close together: each effect lists the other actions inside its
windows (``overlaps``); it is then the joint effect of them, not of one alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.incidents.subjects import NAMES, SUBJECTS, SubjectLexicon, default_subjects
from clearance.monitor import signals
from clearance.storage.db import as_utc
from clearance.storage.monitor_models import THEMES, MonitorPost, MonitorPostLink

WINDOW_HOURS: Final = 12
HOUR: Final = dt.timedelta(hours=1)
#: A subject's share must move by at least this much (and significantly) to name a shift.
SHIFT_MIN: Final = 0.10
#: Two-sided 95 % quantiles of Student's t by degrees of freedom (larger: the normal's 1.96).
_T975: Final = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
                8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145,
                15: 2.131, 16: 2.120, 18: 2.101, 20: 2.086, 22: 2.074, 24: 2.064, 30: 2.042,
                40: 2.021, 60: 2.000, 120: 1.980}
METHOD: Final = ("matched windows of whole hours before and after the action's hour; counts "
                 "against a linear trend fitted to the before window (95% prediction "
                 "interval, Student's t); shares after minus before (95% normal interval)")


def t975(df: int) -> float:
    if df <= 0:
        return math.inf
    keys = sorted(_T975)
    for k in keys:
        if df <= k:
            return _T975[k]
    return 1.96


@dataclass(frozen=True, slots=True)
class Windows:
    before: tuple[dt.datetime, dt.datetime]
    after: tuple[dt.datetime, dt.datetime]
    hours: int
    observed: int  # whole hours of the after window with data (the monitor's stream time)

    @property
    def is_complete(self) -> bool:
        return self.observed >= self.hours


def windows(at: dt.datetime, hours: int, now: dt.datetime | None) -> Windows:
    h0 = signals.floor_to(at, 3600)
    before = (h0 - hours * HOUR, h0)
    after_start = h0 + HOUR
    after_end = after_start + hours * HOUR
    if now is not None and now < after_end:
        observed = max(0, int((signals.floor_to(now, 3600) - after_start) / HOUR))
        after_end = after_start + observed * HOUR
    else:
        observed = hours
    return Windows(before, (after_start, after_end), hours, observed)


def trend_change(before: Sequence[float], after: Sequence[float]) -> dict[str, Any]:
    """Observed total of ``after`` against the linear trend of ``before`` carried forward."""
    n, m = len(before), len(after)
    observed = float(sum(after))
    out: dict[str, Any] = {"before": round(float(sum(before)), 3), "after": round(observed, 3)}
    if n < 3 or m == 0:
        return out | {"expected": None, "change": None, "low": None, "high": None,
                      "relative": None}
    ts = list(range(n))
    t_mean = sum(ts) / n
    y_mean = sum(before) / n
    sxx = sum((t - t_mean) ** 2 for t in ts)
    slope = sum((t - t_mean) * (y - y_mean) for t, y in zip(ts, before, strict=True)) / sxx
    intercept = y_mean - slope * t_mean
    resid = [y - (intercept + slope * t) for t, y in zip(ts, before, strict=True)]
    s2 = sum(r * r for r in resid) / (n - 2)
    future = list(range(n, n + m))
    expected = sum(max(0.0, intercept + slope * t) for t in future)
    spread = sum(t - t_mean for t in future)
    var = s2 * (m + m * m / n + spread * spread / sxx)
    half = t975(n - 2) * math.sqrt(var)
    change = observed - expected
    return out | {"expected": round(expected, 3), "change": round(change, 3),
                  "low": round(change - half, 3), "high": round(change + half, 3),
                  "relative": round(change / expected, 3) if expected > 0 else None}


def share_change(count_before: int, total_before: int, count_after: int,
                 total_after: int) -> dict[str, Any]:
    """The share after minus the share before, with a 95 % normal interval."""
    if not total_before or not total_after:
        return {"before": count_before / total_before if total_before else None,
                "after": count_after / total_after if total_after else None,
                "change": None, "low": None, "high": None}
    p1, p2 = count_before / total_before, count_after / total_after
    se = math.sqrt(p1 * (1 - p1) / total_before + p2 * (1 - p2) / total_after)
    d = p2 - p1
    return {"before": round(p1, 4), "after": round(p2, 4), "change": round(d, 4),
            "low": round(d - 1.96 * se, 4), "high": round(d + 1.96 * se, 4)}


def subject_counts(session: Session, title_id: str, start: dt.datetime, end: dt.datetime,
                    lexicon: SubjectLexicon) -> dict[str, list[int]]:
    """Per subject, posts per hour from ``start`` to ``end`` (and ``unread``: no text left)."""
    hours = int((end - start) / HOUR)
    out = {s: [0] * hours for s in (*SUBJECTS, "unread")}
    if hours <= 0:
        return out
    rows = session.execute(
        select(MonitorPost.created_at, MonitorPost.text)
        .join(MonitorPostLink, MonitorPostLink.post_id == MonitorPost.id)
        .where(MonitorPostLink.title_id == title_id, MonitorPostLink.version_id == 0,
               MonitorPostLink.created_at >= start, MonitorPostLink.created_at < end))
    for created, text in rows:
        i = int((as_utc(created) - start) / HOUR)
        if not 0 <= i < hours:
            continue
        if text is None:
            out["unread"][i] += 1
            continue
        for s in lexicon.subjects(text):
            out[s][i] += 1
    return out


def _series(session: Session, title_id: str, start: dt.datetime, end: dt.datetime
            ) -> dict[str, list[int]]:
    series = signals.title_series(session, title_id, step=3600, start=start, end=end)
    return {c: list(series.values[c]) for c in ("volume", "negative", *THEMES)}


def name_shift(subjects: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The subject whose share fell most and the one whose share rose most, both significantly
    and by at least :data:`SHIFT_MIN`; ``None`` when the backlash did not move on."""
    falls = [(s["share"]["change"], name) for name, s in subjects.items()
             if s["share"]["change"] is not None and s["share"]["high"] < 0
             and -s["share"]["change"] >= SHIFT_MIN]
    rises = [(s["share"]["change"], name) for name, s in subjects.items()
             if s["share"]["change"] is not None and s["share"]["low"] > 0
             and s["share"]["change"] >= SHIFT_MIN]
    if not falls or not rises:
        return None
    fell, rose = min(falls)[1], max(rises)[1]
    a, b = subjects[fell]["share"], subjects[rose]["share"]
    return {"from": fell, "to": rose,
            "summary": f"the backlash moved from {NAMES[fell]} ({a['before']:.0%} → "
                       f"{a['after']:.0%} of posts) to {NAMES[rose]} ({b['before']:.0%} → "
                       f"{b['after']:.0%})"}


def compare(session: Session, title_id: str, before: tuple[dt.datetime, dt.datetime],
            after: tuple[dt.datetime, dt.datetime], *,
            lexicon: SubjectLexicon | None = None) -> dict[str, Any]:
    """Every measure of the module docstring between two windows of whole hours."""
    lexicon = lexicon or default_subjects()
    b = _series(session, title_id, *before)
    a = _series(session, title_id, *after)
    vb, va = sum(b["volume"]), sum(a["volume"])

    def both(before_counts: list[int], after_counts: list[int]) -> dict[str, Any]:
        return {"count": trend_change(before_counts, after_counts),
                "share": share_change(sum(before_counts), vb, sum(after_counts), va)}

    sb = subject_counts(session, title_id, *before, lexicon)
    sa = subject_counts(session, title_id, *after, lexicon)
    subjects = {s: both(sb[s], sa[s]) for s in SUBJECTS}
    return {"volume": trend_change(b["volume"], a["volume"]),
            "negative": both(b["negative"], a["negative"]),
            "themes": {t: both(b[t], a[t]) for t in THEMES},
            "subjects": subjects,
            "unread_posts": {"before": sum(sb["unread"]), "after": sum(sa["unread"])},
            "shift": name_shift(subjects), "subjects_version": lexicon.version}


def measure(session: Session, title_id: str, at: dt.datetime, *, hours: int = WINDOW_HOURS,
            now: dt.datetime | None = None) -> dict[str, Any]:
    """The effect of something that took effect at ``at`` (see the module docstring); ``now``
    defaults to the monitor's stream time."""
    now = now or signals.latest_activity(session)
    w = windows(at, hours, now)
    out: dict[str, Any] = {
        "at": as_utc(at).isoformat(), "window_hours": hours,
        "before": {"start": w.before[0].isoformat(), "end": w.before[1].isoformat()},
        "after": {"start": w.after[0].isoformat(), "end": w.after[1].isoformat()},
        "complete": w.is_complete, "hours_observed": w.observed, "method": METHOD}
    if w.observed == 0:
        return out | {"status": "not yet measurable: no data after the action yet"}
    return out | {"status": "measured" if w.is_complete else "partial",
                  **compare(session, title_id, w.before, w.after)}


def headline(effect: dict[str, Any]) -> str:
    """One line: the volume against the trend, the negative share, the shift."""
    if effect.get("status", "").startswith("not yet"):
        return str(effect["status"])
    v = effect["volume"]
    parts = [f"posts {v['before']:.0f} → {v['after']:.0f}"]
    if v.get("change") is not None:
        parts.append(f"{v['change']:+.0f} against the trend (95% {v['low']:+.0f} to "
                     f"{v['high']:+.0f})")
    neg = effect["negative"]["share"]
    if neg.get("change") is not None:
        parts.append(f"negative {neg['before']:.0%} → {neg['after']:.0%}")
    if effect.get("shift"):
        parts.append(str(effect["shift"]["summary"]))
    if effect.get("status") == "partial":
        parts.append(f"partial: {effect['hours_observed']} of {effect['window_hours']} hours")
    return "; ".join(parts)
