"""The spike detector on NAB's realTweets series, scored with NAB's rules, against baselines.

    .venv/bin/python bench/bench_nab.py [--offsets N] [--out bench/results/nab.json]

Reads the five Twitter-volume series and their labelled windows in ``../shared/data/nab-realtweets``
(or ``$CLEARANCE_SHARED_DATA``) and reports, all measured in this run:

* the default detector's NAB score (standard profile) per file and normalised over the five;
* **leave-one-file-out**: for each file, the setting (threshold x cooldown x windows x scale clip,
  32 candidates) that scores best on the other four, scored on that file;
* both again averaged over ``--offsets`` start offsets (the series cut 0 to 499 rows later), since
  with 16 windows one window found or missed moves the total by 6 points;
* baselines: NAB's own windowedGaussian (re-run; it must reproduce NAB's published per-file raw
  scores, which checks the scorer), a fixed z-score threshold on a day's rolling mean and standard
  deviation (its threshold picked on all five files, so optimistic), ablations of the detector;
* synthetic series (fixed seed): Poisson counts with a daily cycle at four volumes and a share
  series, with injected spikes and level shifts: events found and false alerts per week;
* throughput of the detector (points/s, best of three).

Writes ``bench/results/nab.json`` and prints a table. See ``docs/monitor.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import RESULTS, machine_info, shared_data
from clearance.monitor import nab
from clearance.monitor.series import parse_time
from clearance.monitor.spikes import DEFAULT_SETTINGS, SpikeSettings, detect

FILES = ("AAPL", "AMZN", "CRM", "CVS", "FB")
PUBLISHED = {  # NAB results/, standard profile, normalised over these five files
    "ARTime": 83.8, "earthgeckoSkyline": 77.8, "contextOSE": 76.0, "htmjava": 70.1,
    "knncad": 68.6, "numenta": 66.1, "twitterADVec": 66.0, "windowedGaussian": 64.8,
    "randomCutForest": 53.2,
}
# NAB's results/windowedGaussian/windowedGaussian_standard_scores.csv: raw score, TP rows, FP rows.
PUBLISHED_WINDOWED_GAUSSIAN = {
    "AAPL": (1.5139968362565832, 42, 24), "AMZN": (1.5584829945714498, 10, 20),
    "CRM": (0.7638457640937151, 10, 0), "CVS": (0.77368206139354, 22, 18),
    "FB": (0.11975027819081463, 6, 15),
}
# NAB's results/ARTime/ARTime_standard_scores.csv: the best published detector, per file (raw).
PUBLISHED_ARTIME = {"AAPL": 2.91610174881165, "AMZN": 2.7366282533101085,
                    "CRM": 2.1007274110242746, "CVS": 1.8380854899903283,
                    "FB": 1.2142436334445932}
OFFSETS = (0, 37, 101, 173, 251, 337, 401, 499)
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class TweetSeries:
    name: str
    times: list[float]
    values: list[float]
    windows: tuple[nab.Window, ...]

    def cut(self, offset: int) -> TweetSeries:
        return TweetSeries(self.name, self.times[offset:], self.values[offset:],
                           tuple(nab.Window(w.start - offset, w.end - offset)
                                 for w in self.windows))


def load() -> list[TweetSeries]:
    folder = shared_data() / "nab-realtweets"
    if not folder.is_dir():
        sys.exit(f"NAB's realTweets series are not at {folder} (set CLEARANCE_SHARED_DATA)")
    limits = nab.load_windows(folder / "windows.json")
    out = []
    for sym in FILES:
        with (folder / f"Twitter_volume_{sym}.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        times = [parse_time(r["timestamp"]) for r in rows]
        if any(t is None for t in times):
            sys.exit(f"unreadable timestamp in Twitter_volume_{sym}.csv")
        stamps = [datetime.fromisoformat(r["timestamp"]) for r in rows]
        windows = nab.windows_at(stamps, limits[f"realTweets/Twitter_volume_{sym}.csv"])
        out.append(TweetSeries(sym, [t for t in times if t is not None],
                               [float(r["value"]) for r in rows], windows))
    return out


Flagger = Callable[[TweetSeries], Sequence[bool]]


def spike_flagger(settings: SpikeSettings) -> Flagger:
    return lambda s: detect(s.times, s.values, settings).flags


def score_all(series: Sequence[TweetSeries], flagger: Flagger) -> dict[str, nab.FileScore]:
    return {s.name: nab.score_file(flagger(s), s.windows) for s in series}


def normalised(scores: dict[str, nab.FileScore], names: Sequence[str] = FILES) -> float:
    return nab.normalised_total(scores[n] for n in names)


# --- baselines ------------------------------------------------------------------------------

def windowed_gaussian(values: Sequence[float], window: int = 6400, step: int = 100) -> list[float]:
    """NAB's windowedGaussian detector (nab/detectors/gaussian): ``1 - Q(|z|)`` against the mean
    and standard deviation of up to ``window`` previous values, refreshed every ``step`` values
    once the window is full."""
    scores = []
    data: list[float] = []
    buffer: list[float] = []
    mean, std = 0.0, 1.0
    total = total_sq = 0.0
    for x in values:
        score = 0.0
        if data:
            z = abs(x - mean) / std
            score = 1.0 - 0.5 * math.erfc(z / math.sqrt(2.0))
        scores.append(score)
        if len(data) < window:
            data.append(x)
            total += x
            total_sq += x * x
        else:
            buffer.append(x)
            if len(buffer) < step:
                continue
            data = data[step:] + buffer
            buffer = []
            total = sum(data)
            total_sq = sum(v * v for v in data)
        mean = total / len(data)
        var = max(total_sq / len(data) - mean * mean, 0.0)
        std = math.sqrt(var) or 0.000001
    return scores


def windowed_gaussian_flagger(s: TweetSeries) -> list[bool]:
    # NAB's result files hold scores with 12 significant digits, and its threshold (1.0) is
    # applied to what was read back: a score of 1 - 1e-13 counts as 1.0.
    return [float(f"{x:.12g}") >= 1.0 for x in windowed_gaussian(s.values)]


def rolling_z(values: Sequence[float], window: int = 288) -> list[float]:
    """z of each value against the mean and standard deviation of the previous ``window``."""
    out = []
    total = total_sq = 0.0
    for i, x in enumerate(values):
        n = min(i, window)
        if n >= 12:
            mean = total / n
            std = math.sqrt(max(total_sq / n - mean * mean, 1e-12))
            out.append((x - mean) / std)
        else:
            out.append(0.0)
        total += x
        total_sq += x * x
        if i >= window:
            old = values[i - window]
            total -= old
            total_sq -= old * old
    return out


def z_flagger(threshold: float, cooldown: int = 288) -> Flagger:
    def flags(s: TweetSeries) -> list[bool]:
        out, last = [], -cooldown
        for i, z in enumerate(rolling_z(s.values)):
            hit = z >= threshold and i - last >= cooldown
            out.append(hit)
            if hit:
                last = i
        return out
    return flags


# --- leave one file out ----------------------------------------------------------------------

def candidates() -> list[SpikeSettings]:
    grid = []
    for windows in ((10.0,), (10.0, 180.0)):
        for scale_clip in (2.0, 3.0):
            for threshold in (2.75, 3.0, 3.25, 3.5):
                for cooldown in (1.0, 2.0):
                    grid.append(replace(DEFAULT_SETTINGS, windows_minutes=windows,
                                        scale_clip=scale_clip, threshold=threshold,
                                        cooldown_days=cooldown))
    return grid


def describe(s: SpikeSettings) -> str:
    wins = "+".join(f"{w:g}" for w in s.windows_minutes)
    return (f"windows {wins} min, scale clip {s.scale_clip:g}, threshold {s.threshold:g}, "
            f"cooldown {s.cooldown_days:g} d")


def lofo(per_offset: list[dict[int, dict[str, nab.FileScore]]]) -> dict[str, Any]:
    """``per_offset[o][c][file]``: choose per held-out file the candidate best on the others
    (mean normalised score over offsets), score the held-out file with it."""
    grid = candidates()
    chosen: dict[str, int] = {}
    for held in FILES:
        others = [f for f in FILES if f != held]
        chosen[held] = max(range(len(grid)), key=lambda c: (
            sum(normalised(run[c], others) for run in per_offset) / len(per_offset), -c))
    totals = [nab.normalised_total(run[chosen[f]][f] for f in FILES) for run in per_offset]
    on_all = max(range(len(grid)), key=lambda c: (
        sum(normalised(run[c]) for run in per_offset) / len(per_offset), -c))
    return {
        "lofo_first_offset": totals[0],
        "lofo_mean_over_offsets": sum(totals) / len(totals),
        "chosen_per_held_out_file": {f: describe(grid[c]) for f, c in chosen.items()},
        "held_out_raw_first_offset": {f: per_offset[0][chosen[f]][f].raw for f in FILES},
        "best_on_all_files": describe(grid[on_all]),
        "best_on_all_files_score_mean_over_offsets":
            sum(normalised(run[on_all]) for run in per_offset) / len(per_offset),
    }


# --- synthetic series ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Synthetic:
    name: str
    times: list[float]
    values: list[float]
    events: tuple[tuple[int, str], ...]


def poisson(rng: random.Random, lam: float) -> int:
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def synthetic_counts(rng: random.Random, base: float, days: int = 42,
                     with_events: bool = True) -> Synthetic:
    """5-minute Poisson counts with a daily cycle (x0.4 at night, x1.6 in the afternoon) and
    weekends at 70 %; with events: a one-hour spike (x6 decaying), a sustained three-hour rise
    (x2.5) and a level shift (x2 for the rest of the day) in each of weeks 2 to 6."""
    n = days * 288
    start = 1_420_070_400.0  # 2015-01-01, a Thursday
    lam = []
    for i in range(n):
        t = start + 300 * i
        hour = (t % DAY) / 3600
        daily = 1.0 + 0.6 * math.sin((hour - 9) / 24 * 2 * math.pi)
        weekend = 0.7 if int(t // DAY + 4) % 7 in (5, 6) else 1.0
        lam.append(base * daily * weekend)
    events: list[tuple[int, str]] = []
    if with_events:
        for week in range(1, days // 7):
            day0 = week * 7 * 288
            spike = day0 + 288 + rng.randrange(288)
            for j in range(12):
                lam[spike + j] *= 1 + 5 * math.exp(-j / 4)
            rise = day0 + 3 * 288 + rng.randrange(200)
            for j in range(36):
                lam[rise + j] *= 2.5
            shift = day0 + 5 * 288 + rng.randrange(150)
            for j in range(shift, min(n, shift + 288 - (shift % 288))):
                lam[j] *= 2.0
            events += [(spike, "spike"), (rise, "3-hour rise"), (shift, "level shift")]
    values = [float(poisson(rng, x)) for x in lam]
    return Synthetic(f"poisson base {base:g}{'' if with_events else ', no events'}",
                     [start + 300 * i for i in range(n)], values, tuple(events))


def synthetic_share(rng: random.Random, days: int = 42) -> Synthetic:
    """Hourly share of negative posts among ~Poisson(80) posts, p = 0.2, rising to 0.45 for
    six hours once a week (a backlash in tone, not volume)."""
    n = days * 24
    start = 1_420_070_400.0
    events = []
    p = [0.2] * n
    for week in range(1, days // 7):
        at = week * 7 * 24 + 48 + rng.randrange(72)
        for j in range(6):
            p[at + j] = 0.45
        events.append((at, "negativity rise"))
    values = []
    for i in range(n):
        posts = max(1, poisson(rng, 80))
        negative = sum(1 for _ in range(posts) if rng.random() < p[i])
        values.append(round(negative / posts, 4))
    return Synthetic("share negative, hourly", [start + 3600 * i for i in range(n)], values,
                     tuple(events))


def judge_synthetic(s: Synthetic, horizon_s: float = 3 * 3600) -> dict[str, Any]:
    result = detect(s.times, s.values)
    alerts = result.alerts
    found, false_alerts = 0, 0
    matched = set()
    for a in alerts:
        hit = next((e for e, (at, _) in enumerate(s.events)
                    if s.times[at] <= s.times[a] <= s.times[at] + horizon_s), None)
        if hit is None:
            false_alerts += 1
        else:
            matched.add(hit)
    found = len(matched)
    weeks = (s.times[-1] - s.times[0] - DAY) / (7 * DAY)  # after the day of warm-up
    by_kind: dict[str, list[int]] = {}
    for e, (_, kind) in enumerate(s.events):
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][1] += 1
        by_kind[kind][0] += e in matched
    return {"series": s.name, "points": len(s.values), "events": len(s.events),
            "found": found, "found_by_kind": {k: f"{v[0]}/{v[1]}" for k, v in by_kind.items()},
            "false_alerts": false_alerts, "false_alerts_per_week": false_alerts / weeks}


# --- the run ---------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offsets", type=int, default=len(OFFSETS),
                    help=f"start offsets to average over (1 to {len(OFFSETS)})")
    ap.add_argument("--out", type=Path, default=RESULTS / "nab.json")
    args = ap.parse_args(argv)
    offsets = OFFSETS[: max(1, min(args.offsets, len(OFFSETS)))]
    info = machine_info()
    series = load()
    points = sum(len(s.values) for s in series)

    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        for s in series:
            detect(s.times, s.values)
        best = min(best, time.perf_counter() - t)
    throughput = points / best

    default = score_all(series, spike_flagger(DEFAULT_SETTINGS))
    grid = candidates()
    per_offset = []
    default_over_offsets = []
    for off in offsets:
        cut = [s.cut(off) for s in series]
        per_offset.append({c: score_all(cut, spike_flagger(st)) for c, st in enumerate(grid)})
        default_over_offsets.append(normalised(score_all(cut, spike_flagger(DEFAULT_SETTINGS))))
    loo = lofo(per_offset)

    wg = score_all(series, windowed_gaussian_flagger)
    wg_check = {n: {"raw": wg[n].raw, "published_raw": PUBLISHED_WINDOWED_GAUSSIAN[n][0],
                    "false_positives": wg[n].false_positives,
                    "published_false_positives": PUBLISHED_WINDOWED_GAUSSIAN[n][2]}
                for n in FILES}
    wg_ok = all(abs(v["raw"] - v["published_raw"]) < 1e-9
                and v["false_positives"] == v["published_false_positives"]
                for v in wg_check.values())
    z_grid = {z: normalised(score_all(series, z_flagger(z))) for z in (3.0, 4.0, 5.0, 6.0, 8.0)}
    z_best = max(z_grid, key=lambda z: z_grid[z])
    ablations = {
        "no time-of-day profile": replace(DEFAULT_SETTINGS, season_bins=0),
        "10-minute window only": replace(DEFAULT_SETTINGS, windows_minutes=(10.0,)),
        "scale clipped at 3 (not 2)": replace(DEFAULT_SETTINGS, scale_clip=3.0),
        "rises and drops (direction=both)": replace(DEFAULT_SETTINGS, direction="both"),
        "cooldown 2 days": replace(DEFAULT_SETTINGS, cooldown_days=2.0),
    }
    ablation_scores = {k: normalised(score_all(series, spike_flagger(v)))
                       for k, v in ablations.items()}
    null = {n: nab.score_file([False] * len(s.values), s.windows) for n, s in
            zip(FILES, series, strict=True)}
    perfect = {n: nab.score_file([i in {w.start for w in s.windows}
                                  for i in range(len(s.values))], s.windows)
               for n, s in zip(FILES, series, strict=True)}

    rng = random.Random(20150226)
    synthetic = [synthetic_counts(rng, base) for base in (0.5, 5.0, 50.0, 500.0)]
    synthetic.append(synthetic_counts(rng, 20.0, with_events=False))
    synthetic.append(synthetic_share(rng))
    synthetic_results = [judge_synthetic(s) for s in synthetic]

    report = {
        "machine": info,
        "settings": describe(DEFAULT_SETTINGS),
        "default": {
            "per_file": {n: {"raw": sc.raw, "normalised": sc.normalised,
                             "windows": sc.windows, "detected": sc.detected,
                             "false_positives": sc.false_positives,
                             "artime_raw": PUBLISHED_ARTIME[n],
                             "artime_normalised": 100 * (PUBLISHED_ARTIME[n] + sc.windows)
                             / (2 * sc.windows)}
                         for n, sc in default.items()},
            "total_normalised": normalised(default),
            "total_mean_over_offsets": sum(default_over_offsets) / len(default_over_offsets),
            "offsets": list(offsets),
        },
        "leave_one_file_out": loo,
        "baselines": {
            "windowedGaussian (NAB's, re-run)": normalised(wg),
            f"rolling z >= {z_best:g} (best of {sorted(z_grid)} on all files)": z_grid[z_best],
            "rolling z by threshold": {f"{k:g}": v for k, v in z_grid.items()},
            "null (never alerts)": normalised(null),
            "perfect (first row of every window)": normalised(perfect),
        },
        "scorer_check": {"windowedGaussian reproduces NAB's published per-file raw scores":
                         wg_ok, "per_file": wg_check},
        "ablations": ablation_scores,
        "published": PUBLISHED,
        "synthetic": synthetic_results,
        "throughput_points_per_s": throughput,
        "points": points,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    return 0 if wg_ok else 1


def print_report(r: dict[str, Any]) -> None:
    d = r["default"]
    print(f"NAB realTweets, standard profile — default: {r['settings']}")
    print(f"{'file':6} {'raw':>7} {'norm':>6} {'found':>6} {'FP':>4}   ARTime raw / norm")
    for n, v in d["per_file"].items():
        print(f"{n:6} {v['raw']:7.3f} {v['normalised']:6.1f} {v['detected']:>3}/{v['windows']:<2}"
              f" {v['false_positives']:4}   {v['artime_raw']:6.3f} / {v['artime_normalised']:5.1f}")
    loo = r["leave_one_file_out"]
    print(f"total (all five files):           {d['total_normalised']:6.1f}"
          f"   mean over {len(d['offsets'])} start offsets {d['total_mean_over_offsets']:6.1f}")
    print(f"leave-one-file-out:               {loo['lofo_first_offset']:6.1f}"
          f"   mean over offsets {loo['lofo_mean_over_offsets']:6.1f}")
    for f, c in loo["chosen_per_held_out_file"].items():
        print(f"   held out {f:5} chosen on the others: {c}")
    print("baselines (same run):")
    for k, v in r["baselines"].items():
        if isinstance(v, float):
            print(f"   {k:58} {v:6.1f}")
    print("published (NAB results/): " + ", ".join(f"{k} {v}" for k, v in r["published"].items()))
    ok = next(iter(r["scorer_check"].values()))
    print(f"scorer check: windowedGaussian reproduces NAB's published raw scores: {ok}")
    print("ablations of the default:")
    for k, v in r["ablations"].items():
        print(f"   {k:58} {v:6.1f}")
    print("synthetic series (seeded): events found, false alerts per week")
    for s in r["synthetic"]:
        kinds = ", ".join(f"{k} {v}" for k, v in s["found_by_kind"].items())
        print(f"   {s['series']:28} {s['found']:>2}/{s['events']:<2} ({kinds or '-'})  "
              f"{s['false_alerts_per_week']:.2f} false/week")
    print(f"throughput: {r['throughput_points_per_s']:,.0f} points/s "
          f"({r['points']} points, best of 3, one core)")


if __name__ == "__main__":
    sys.exit(main())
