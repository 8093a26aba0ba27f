"""Scoring alerts the way the Numenta Anomaly Benchmark does (NAB v1.1, ``nab/sweeper.py``).

A detector here emits binary alerts (``flag``), so NAB's threshold sweep collapses to one
threshold: a flagged row is a detection. The standard profile's rules, per file:

* the first ``min(floor(0.15 * rows), 0.15 * 5000)`` rows are **probationary**: detections there
  are ignored, and so is a window lying wholly inside them. (NAB caps the period at 750 rows;
  for the ~15,850-row Twitter files that is 750 rows, not 15 %: NAB's own result files count
  15,152 scored rows for the 15,902-row AAPL file.)
* a **window** with no detection costs ``fn_weight`` (1.0);
* the **first** detection in a window earns ``tp_weight * S(p) / S(-1)`` where
  ``p = -(end - i + 1) / width`` runs from -1 at the window's first row towards 0 at its last and
  ``S(p) = 2 / (1 + exp(5 p)) - 1`` is NAB's scaled sigmoid: +1.0 at the first row, 0.86 in the
  middle (where the labelled anomaly sits), ~0 at the end; later detections in the same window
  earn nothing more;
* a detection **outside** every window costs ``fp_weight * S(d)`` with
  ``d = |i - end_prev| / (width_prev - 1)`` its distance past the closest preceding window (in
  widths; ``S(d) = -1`` from ``d = 3`` on), or the full ``-fp_weight`` before the first window;
  ``fp_weight`` is 0.11 in the standard profile.

The **normalised** score is ``100 * (raw - null) / (perfect - null)`` summed over the files
scored together, where the null detector never alerts (``raw = -fn_weight * windows``) and the
perfect one alerts on the first row of every window (``tp_weight * windows``). NAB's runner
takes *perfect* from the count of labels, which equals the count of windows except where two
labels share a window (CVS: four labels, three windows); the published five-file realTweets
figures (ARTime 83.8) are reproduced from NAB's per-file raw scores with windows, not labels
(83.77 against 81.2), so windows it is.

Checked against NAB's published numbers in ``bench/bench_nab.py``: NAB's own windowedGaussian
detector, re-run here, reproduces its published per-file raw scores (see ``docs/monitor.md``).
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from clearance.errors import InputError

PROBATION_FRACTION: Final = 0.15
"""NAB's ``probationPercent``; the period is also capped at ``0.15 * 5000`` rows."""

_PROBATION_CAP_ROWS: Final = 5000


@dataclass(frozen=True, slots=True)
class Profile:
    """NAB's cost matrix (``config/profiles.json``): the weights of a detected window, a missed
    window and a false positive."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


STANDARD: Final = Profile("standard", tp_weight=1.0, fp_weight=0.11, fn_weight=1.0)
REWARD_LOW_FP: Final = Profile("reward_low_FP_rate", tp_weight=1.0, fp_weight=0.22, fn_weight=1.0)
REWARD_LOW_FN: Final = Profile("reward_low_FN_rate", tp_weight=1.0, fp_weight=0.11, fn_weight=2.0)


@dataclass(frozen=True, slots=True)
class Window:
    """A labelled anomaly window: row indices, both ends included."""

    start: int
    end: int

    @property
    def width(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True, slots=True)
class FileScore:
    """One file's NAB score under one profile, with what made it."""

    raw: float
    windows: int
    """Windows that count (at least one row after the probationary period)."""
    detected: int
    """Windows with at least one detection."""
    false_positives: int
    """Flagged rows outside every window, after the probationary period."""
    first_detections: tuple[int | None, ...]
    """Per counted window, the row of its first detection (``None``: missed)."""
    profile: Profile

    @property
    def null(self) -> float:
        return -self.profile.fn_weight * self.windows

    @property
    def perfect(self) -> float:
        return self.profile.tp_weight * self.windows

    @property
    def normalised(self) -> float:
        return normalised_total([self])


def probation_length(rows: int) -> float:
    """NAB's ``_getProbationaryLength``: rows with an index below this are not scored."""
    return min(math.floor(PROBATION_FRACTION * rows), PROBATION_FRACTION * _PROBATION_CAP_ROWS)


def scaled_sigmoid(position: float) -> float:
    """NAB's ``scaledSigmoid``: 0.98661 at -1 (a window's left edge), 0 at 0, -1 from 3 on."""
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


_MAX_TP: Final = scaled_sigmoid(-1.0)


def score_file(flags: Sequence[bool] | Sequence[int], windows: Sequence[Window],
               profile: Profile = STANDARD) -> FileScore:
    """Score one file's alerts (``flags[i]`` true where row ``i`` alerts) against its windows
    (sorted, disjoint, within the file)."""
    rows = len(flags)
    _check_windows(windows, rows)
    probation = probation_length(rows)
    counted = [w for w in windows if w.end >= probation]
    starts = [w.start for w in counted]
    best: list[float] = [-profile.fn_weight] * len(counted)
    first: list[int | None] = [None] * len(counted)
    fp_total = 0.0
    false_positives = 0
    for i, flag in enumerate(flags):
        if not flag or i < probation:
            continue
        k = bisect.bisect_right(starts, i) - 1
        if k >= 0 and i <= counted[k].end:
            w = counted[k]
            gain = scaled_sigmoid(-(w.end - i + 1) / w.width) * profile.tp_weight / _MAX_TP
            if first[k] is None:
                first[k] = i
            best[k] = max(best[k], gain)
            continue
        false_positives += 1
        prev = _preceding(windows, i)
        if prev is None:
            fp_total -= profile.fp_weight
        else:
            # NAB divides by (width - 1); a one-row window would divide by zero there.
            distance = abs(prev.end - i) / (prev.width - 1) if prev.width > 1 else 3.0
            fp_total += scaled_sigmoid(distance) * profile.fp_weight
    return FileScore(
        raw=sum(best) + fp_total,
        windows=len(counted),
        detected=sum(1 for f in first if f is not None),
        false_positives=false_positives,
        first_detections=tuple(first),
        profile=profile,
    )


def normalised_total(scores: Iterable[FileScore]) -> float:
    """``100 * (raw - null) / (perfect - null)`` over files scored together (NAB's corpus
    normalisation); 0 for the null detector, 100 for the perfect one. With no window at all
    there is nothing to normalise by: a file without false positives scores 100, otherwise 0."""
    items = list(scores)
    raw = sum(s.raw for s in items)
    null = sum(s.null for s in items)
    perfect = sum(s.perfect for s in items)
    if perfect == null:
        return 100.0 if raw >= 0 else 0.0
    return 100.0 * (raw - null) / (perfect - null)


def windows_at(timestamps: Sequence[datetime],
               limits: Sequence[tuple[datetime, datetime]]) -> tuple[Window, ...]:
    """Windows given by their first and last timestamps, as row indices of ``timestamps``
    (which must contain both, as NAB requires)."""
    index = {t: i for i, t in enumerate(timestamps)}
    out = []
    for start, end in limits:
        if start not in index or end not in index:
            missing = start if start not in index else end
            raise InputError(f"window limit {missing.isoformat(sep=' ')} is not a row of the file")
        out.append(Window(index[start], index[end]))
    return tuple(out)


def load_windows(path: Path) -> dict[str, tuple[tuple[datetime, datetime], ...]]:
    """NAB's ``labels/combined_windows.json``: file name -> its windows' (start, end) times."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read NAB windows from {path}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise InputError(f"{path}: expected an object of file name -> windows")
    out: dict[str, tuple[tuple[datetime, datetime], ...]] = {}
    for name, pairs in data.items():
        try:
            out[str(name)] = tuple((datetime.fromisoformat(a), datetime.fromisoformat(b))
                                   for a, b in pairs)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: {name}: windows must be [start, end] timestamps") from exc
    return out


def _preceding(windows: Sequence[Window], i: int) -> Window | None:
    """The closest window that ended before row ``i``."""
    prev = None
    for w in windows:
        if w.end < i:
            prev = w
        else:
            break
    return prev


def _check_windows(windows: Sequence[Window], rows: int) -> None:
    last_end = -1
    for w in windows:
        if not (0 <= w.start <= w.end < rows) or w.start <= last_end:
            raise InputError(f"windows must be sorted, disjoint and within the {rows} rows: "
                             f"{w.start}..{w.end}")
        last_end = w.end
