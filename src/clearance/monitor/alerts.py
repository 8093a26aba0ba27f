"""Alert rules and their evaluation.

**Rules** are data (``data/rules.yaml``; ``--rules FILE`` replaces them), each with a name, a
description, the titles it watches (``"*"``: the whole portfolio, or a list of ids), a cooldown,
and one of these kinds:

* ``spike`` — the online spike detector (:mod:`clearance.monitor.spikes`, its default settings:
  the ones scored on NAB) over the title's 5-minute series of ``signal`` (``volume``,
  ``negative``, ``offensive`` or a theme); an alert where it flags a bucket with at least
  ``min_count`` posts of that signal and, when ``min_share`` is set, a share of the signal over
  the last hour at least that;
* ``theme`` — the last closed hour has at least ``min_count`` posts of the theme ``signal`` and
  they are at least ``min_share`` of the hour's posts;
* ``petition_velocity`` — a petition linked to the title gains at least ``min_per_hour``
  signatures an hour;
* ``petition_forecast`` — a petition linked to the title is projected to pass ``threshold``
  within ``within_hours`` (:func:`clearance.monitor.petitions.forecast`).

**Dedup and cooldown.** Each alert has a key (rule, title, the bucket or snapshot that fired): the
same firing is stored once however often the rules run. A rule does not fire again for the same
title within its cooldown (default one day, the detector's own). Only firings within
``lookback`` of "now" (the newest bucket: stream time, not the wall clock) are raised, so the
first run over months of history does not raise every old spike; ``clearance monitor alerts
--evaluate --since`` backfills on purpose.

What an alert carries (the signal, window, top posts, themes, languages, the live asset versions
with their screening decisions) is assembled by :mod:`clearance.monitor.alert_context`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import InputError, Problem
from clearance.monitor import signals
from clearance.monitor.spikes import DEFAULT_SETTINGS, detect
from clearance.storage.db import as_utc
from clearance.storage.monitor_models import THEMES, MonitorAlert

RULES_FILE: Final = Path(__file__).resolve().parent / "data" / "rules.yaml"
SIGNALS: Final = ("volume", "negative", "offensive", *THEMES)
#: How much history the spike rules read (the detector's baselines need days).
HISTORY: Final = dt.timedelta(days=14)
#: The buckets before a flag scanned for the onset (three hours of 5-minute buckets).
ONSET_POINTS: Final = 36
ONSET_SCORE: Final = 1.5


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")]
    description: str = ""
    kind: Literal["spike", "theme", "petition_velocity", "petition_forecast"]
    signal: Literal[SIGNALS] = "volume"  # type: ignore[valid-type]
    titles: Literal["*"] | list[str] = "*"
    cooldown_hours: Annotated[float, Field(gt=0)] = 24.0
    min_count: Annotated[int, Field(ge=0)] = 0
    min_share: Annotated[float, Field(ge=0, le=1)] | None = None
    min_per_hour: Annotated[float, Field(gt=0)] = 1000.0
    threshold: Annotated[int, Field(gt=0)] = 100_000
    within_hours: Annotated[int, Field(gt=0, le=168)] = 72
    #: Raising this rule's alert opens an incident (or links the alert to the title's open
    #: one): :mod:`clearance.incidents.subscribers`.
    open_incident: bool = False

    def watches(self, title_id: str) -> bool:
        return self.titles == "*" or title_id in self.titles


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    rules: list[Rule]


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules in ``path`` (default: the shipped ones); every problem listed at once."""
    path = path or RULES_FILE
    try:
        data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise InputError(f"cannot read the alert rules {path}: {exc}") from None
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{path}: invalid alert rules", problems=[
            Problem(e["msg"], str(path), field=".".join(str(p) for p in e["loc"]))
            for e in exc.errors()]) from None
    names = [r.name for r in rules.rules]
    if len(set(names)) != len(names):
        raise InputError(f"{path}: rule names must be unique")
    return rules


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule firing, before it is stored (see :mod:`clearance.monitor.alert_context`)."""

    rule: Rule
    title_id: str
    at: dt.datetime          # the bucket (or snapshot) that fired
    onset: dt.datetime
    window_end: dt.datetime
    step: int
    score: float
    value: float
    expected: float | None
    detail: str
    key: str


def _recent(session: Session, rule: Rule, title_id: str, at: dt.datetime) -> bool:
    since = at - dt.timedelta(hours=rule.cooldown_hours)
    return session.scalar(select(MonitorAlert.id).where(
        MonitorAlert.rule == rule.name, MonitorAlert.title_id == title_id,
        MonitorAlert.onset > since, MonitorAlert.onset <= at).limit(1)) is not None


def _spike(session: Session, rule: Rule, title_id: str, now: dt.datetime,
           since: dt.datetime) -> list[Firing]:
    step = 300
    first = signals.first_bucket(session, title_id, step)
    if first is None:
        return []
    series = signals.title_series(session, title_id, step=step,
                                  start=max(first, now - HISTORY), end=now)
    if not len(series):
        return []
    values = series.values[rule.signal]
    result = detect([s.timestamp() for s in series.starts], [float(v) for v in values],
                    DEFAULT_SETTINGS)
    out = []
    for i in result.alerts:
        at = series.starts[i]
        if at < since or values[i] < rule.min_count:
            continue
        hour = slice(max(0, i - 11), i + 1)
        volume = sum(series.values["volume"][hour])
        share = sum(values[hour]) / volume if volume else 0.0
        if rule.min_share is not None and share < rule.min_share:
            continue
        j = i
        while j > 0 and i - j < ONSET_POINTS and result.scores[j - 1] >= ONSET_SCORE:
            j -= 1
        what = "" if rule.signal == "volume" else f" {rule.signal.replace('_', ' ')}"
        detail = (f"{values[i]}{what} posts in 5 minutes, about "
                  f"{result.expected[i]:.0f} expected")
        if rule.signal != "volume":
            detail += f"; {share:.0%} of the last hour's posts"
        out.append(Firing(rule, title_id, at, series.starts[j], at + dt.timedelta(seconds=step),
                          step, result.scores[i], float(values[i]), result.expected[i], detail,
                          f"{rule.name}:{title_id}:{int(at.timestamp())}"))
    return out


def _theme(session: Session, rule: Rule, title_id: str, now: dt.datetime,
           since: dt.datetime) -> list[Firing]:
    end = signals.floor_to(now, 3600)
    series = signals.title_series(session, title_id, step=3600,
                                  start=max(since, end - dt.timedelta(hours=48)), end=end)
    out = []
    for at, count, volume in zip(series.starts, series.values[rule.signal],
                                 series.values["volume"], strict=True):
        share = count / volume if volume else 0.0
        if count >= max(rule.min_count, 1) and share >= (rule.min_share or 0.0):
            out.append(Firing(rule, title_id, at, at, at + dt.timedelta(hours=1), 3600,
                              share, float(count), None,
                              f"{count} of {volume} posts in the hour ({share:.0%}) are about "
                              f"{rule.signal.replace('_', ' ')}",
                              f"{rule.name}:{title_id}:{int(at.timestamp())}"))
    return out


def _petitions(session: Session, rule: Rule, title_id: str, now: dt.datetime,
               since: dt.datetime) -> list[Firing]:
    out = []
    for petition in signals.petitions_of(session, title_id):
        series = signals.petition_series(session, petition, until=now)
        if not series.times or series.times[-1] < since or series.forecast is None:
            continue
        at = series.times[-1]
        key = f"{rule.name}:{title_id}:{petition.id}:{int(at.timestamp())}"
        if rule.kind == "petition_velocity":
            if series.velocity >= rule.min_per_hour:
                out.append(Firing(rule, title_id, at, at, at, 3600, series.velocity,
                                  series.velocity, None,
                                  f"petition {petition.petition_key} gains "
                                  f"{series.velocity:,.0f} signatures an hour "
                                  f"({series.counts[-1]:,} now)", key))
            continue
        crossing = series.forecast.crossing(rule.threshold)
        if (crossing is not None and series.counts[-1] < rule.threshold
                and crossing <= at + dt.timedelta(hours=rule.within_hours)):
            out.append(Firing(rule, title_id, at, at, crossing, 3600,
                              series.forecast.at_hours(rule.within_hours),
                              float(series.counts[-1]), None,
                              f"petition {petition.petition_key} ({series.counts[-1]:,} now) "
                              f"is projected to pass {rule.threshold:,} by "
                              f"{crossing:%Y-%m-%d %H:00} UTC", key))
    return out


_KINDS = {"spike": _spike, "theme": _theme, "petition_velocity": _petitions,
          "petition_forecast": _petitions}


def evaluate(session: Session, rules: RuleSet, *, now: dt.datetime | None = None,
             since: dt.datetime | None = None, titles: Sequence[str] | None = None,
             lookback: dt.timedelta = dt.timedelta(days=1)) -> list[Firing]:
    """The firings of ``rules`` that are new (not stored, not within a cooldown), oldest first.
    ``now`` defaults to the newest bucket (stream time); ``since`` to ``now - lookback``."""
    now = now or signals.latest_activity(session)
    if now is None:
        return []
    since = since or now - lookback
    if titles is not None:
        ids = list(titles)
    else:  # only titles that can fire: posts since ``since``, or a petition
        ids = [t for t, _ in signals.active_titles(session, since)]
        ids += [p.title_id for p in signals.petitions_of(session, None)
                if p.title_id is not None and p.title_id not in ids]
    fired: list[Firing] = []
    for rule in rules.rules:
        for title_id in ids:
            if rule.watches(title_id):
                fired.extend(_KINDS[rule.kind](session, rule, title_id, now, since))
    fired.sort(key=lambda f: (f.at, f.rule.name))
    existing = set(session.scalars(select(MonitorAlert.dedup_key).where(
        MonitorAlert.dedup_key.in_([f.key for f in fired])))) if fired else set()
    out: list[Firing] = []
    for firing in fired:
        if firing.key in existing:
            continue
        last = next((f for f in reversed(out) if f.rule.name == firing.rule.name
                     and f.title_id == firing.title_id), None)
        cooled = last is None or firing.onset - last.onset >= dt.timedelta(
            hours=firing.rule.cooldown_hours)
        if cooled and not _recent(session, firing.rule, firing.title_id, firing.onset):
            out.append(firing)
    return out


def alert_age(alert: MonitorAlert, now: dt.datetime) -> dt.timedelta:
    return now - as_utc(alert.created_at)
