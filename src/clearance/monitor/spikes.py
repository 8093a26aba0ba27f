"""The spike detector: is the public's attention to a title jumping, right now?

Online: the score and the alert of a point are decided from that point and the points before it
only (no look-ahead, no normalisation over the whole series), so the detector runs the same on a
live stream as on a file, and feeding a prefix gives exactly the prefix's results.

How a point is judged, for a series of counts (posts per 5 minutes, per hour):

1. **Variance-stabilised.** Counts are put on the Anscombe scale ``u = 2 sqrt(x + 3/8)``, where
   Poisson noise has unit variance at any level, so a jump from 0 to 20 posts and one from 500 to
   2,000 are measured in the same units. (On a log scale the sparse series fall apart: the five
   NAB files scored 65 instead of 81 in the single-window prototype.) Values that are not counts
   (shares, rates) are used as they are; the first such value switches the detector to that
   mode, starting it afresh.
2. **Robust baseline.** A level (EWMA, half-life one day) plus a time-of-day profile in 48 bins
   (half-life three days), both updated with the residual clipped at three scales, so a spike
   cannot drag the baseline after it. Without the profile every morning's rise looks like an
   anomaly (NAB score 4 to 7 points lower).
3. **Robust scale**, per window: an EWMA of the absolute residual clipped at the tail start (two
   scales), so the scale learns from ordinary points only. Clipped at three scales instead, a
   ten-hour rise (CRM, 26 March) inflated its own scale by 2.5 times while it lasted and was
   never found. Never below the Poisson floor (1 on the Anscombe scale): a quiet series is not
   made hypersensitive.
4. **Two windows**: the mean residual of the last 10 minutes (a burst) and of the last 3 hours (a
   sustained rise, the shape of a backlash), each over its own scale, so autocorrelation is
   accounted for.
5. **Calibrated surprise.** Each window's ``z`` becomes ``-log10 p``, the estimated chance that a
   point of *this* series is at least this extreme, from the series' own tail: the rate at which
   ``z`` exceeds 2 (half-life seven days) and an exponential tail above it whose scale is the
   mean excess (half-life 100 exceedances, each capped at five times the mean so that one huge
   spike does not blind the detector). A window of ``k`` points stays extreme for about ``k``
   points, so its chance is counted per episode (``+ log10 k``); the score is the larger of the
   two, less ``log10 2`` for testing twice. Twitter volumes are heavy-tailed and unequally so:
   on the five NAB series the uncalibrated ``z`` of ordinary daily bursts runs from 4 (CRM) to 20
   (AAPL), and no one ``z`` threshold scored above 67 there in the prototype.
6. **Alerting.** A point alerts when its score reaches ``threshold`` (3.25: about one point in
   1,800 of a quiet series is this extreme) after a day of warm-up, and not within ``cooldown``
   (one day) of the previous alert, so one episode raises one alert.

Only rises alert by default (a backlash is a rise; NAB's realTweets windows are all centred on
rises); ``direction="both"`` also scores drops, which mostly finds feed outages. Durations are in
the series' own time, converted to points with its sampling step (the smallest interval seen).
One default for all series: nothing here is tuned per series. Measured with NAB's rules in
``bench/bench_nab.py`` (method and figures in ``docs/monitor.md``): 84.5 on the five realTweets
files, 79.2 leave-one-file-out (ARTime, the best published, 83.8 with a corpus-tuned threshold).
Known weakness: the tail model and the scales also learn from an event's own points, so on a
clean synthetic series the later events of the same size score lower than the first and are
often missed; not learning from alarms (SPOT's rule) fixes that but cost 10 NAB points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from clearance.errors import ConfigurationError, InputError

SECONDS_PER_DAY: Final = 86_400.0
_LN10: Final = math.log(10.0)
_MEAN_ABS_TO_SD: Final = math.sqrt(math.pi / 2.0)
"""A normal residual's standard deviation is 1.2533 times its mean absolute value."""
_DEFAULT_STEP_S: Final = 300.0
"""The sampling step assumed until two timestamps have been seen (NAB's five minutes)."""
_MIN_WARM_POINTS: Final = 12


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    """How the detector judges points and when it alerts."""

    level_halflife_days: float = 1.0
    scale_halflife_days: float = 1.0
    season_bins: int = 48
    """Time-of-day bins of the daily profile (48: half an hour); 0 turns the profile off."""
    season_halflife_days: float = 3.0
    clip: float = 3.0
    """Residuals are clipped at this many scales before they update the baseline."""
    scale_clip: float = 2.0
    """Absolute residuals are clipped at this many scales before they update a scale."""
    windows_minutes: tuple[float, ...] = (10.0, 180.0)
    """Each point is judged on the mean residual of these last durations (at least one point)."""
    tail_start: float = 2.0
    """The ``z`` above which a window's tail is modelled."""
    tail_rate_halflife_days: float = 7.0
    tail_excess_halflife: float = 100.0
    """In exceedances of ``tail_start``."""
    tail_excess_cap: float = 5.0
    warmup_days: float = 1.0
    threshold: float = 3.25
    """Alert at ``score >= threshold``."""
    cooldown_days: float = 1.0
    direction: Literal["up", "both"] = "up"

    def __post_init__(self) -> None:
        problems = []
        for name in ("level_halflife_days", "scale_halflife_days", "season_halflife_days",
                     "tail_rate_halflife_days", "tail_excess_halflife", "clip", "scale_clip",
                     "tail_excess_cap"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        if self.season_bins < 0:
            problems.append("season_bins must be >= 0")
        if not self.windows_minutes or not all(w > 0 for w in self.windows_minutes):
            problems.append("windows_minutes must be one or more durations > 0")
        if not (self.warmup_days >= 0 and self.cooldown_days >= 0):
            problems.append("warmup_days and cooldown_days must be >= 0")
        if self.direction not in ("up", "both"):
            problems.append("direction must be 'up' or 'both'")
        if problems:
            raise ConfigurationError("invalid spike detector settings: " + "; ".join(problems))


DEFAULT_SETTINGS: Final = SpikeSettings()


@dataclass(frozen=True, slots=True)
class SpikePoint:
    """The verdict on one point."""

    score: float
    """``-log10`` of the estimated chance of a point this extreme in this series; 0 below the
    modelled tail and during warm-up."""
    flag: bool
    """Whether an alert fires here (threshold reached, warm-up and cooldown over)."""
    expected: float
    """The baseline the point was compared with, on the series' own scale (posts, share)."""


@dataclass(frozen=True, slots=True)
class SpikeSeries:
    """The verdicts on a whole series, in order."""

    scores: tuple[float, ...]
    flags: tuple[bool, ...]
    expected: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def alerts(self) -> tuple[int, ...]:
        """Indices of the points that alert."""
        return tuple(i for i, f in enumerate(self.flags) if f)


def detect(times: Sequence[float], values: Sequence[float],
           settings: SpikeSettings = DEFAULT_SETTINGS) -> SpikeSeries:
    """Run a fresh detector over a whole series (``times`` in POSIX seconds, increasing)."""
    if len(times) != len(values):
        raise InputError(f"{len(times)} times for {len(values)} values")
    detector = SpikeDetector(settings)
    scores: list[float] = []
    flags: list[bool] = []
    expected: list[float] = []
    detector.run(times, values, scores, flags, expected)
    return SpikeSeries(tuple(scores), tuple(flags), tuple(expected))


class SpikeDetector:
    """The online detector's state; :meth:`update` judges one more point."""

    __slots__ = ("_base", "_is_count", "_last_alert", "_last_t", "_settings", "_step", "_win")

    def __init__(self, settings: SpikeSettings = DEFAULT_SETTINGS) -> None:
        self._settings = settings
        self._is_count = True
        self._last_t: float | None = None
        self._step = _DEFAULT_STEP_S
        self._last_alert = -math.inf
        self._base = _Baseline(settings.season_bins)
        self._win = _Windows(_window_points(settings, self._step))

    @property
    def settings(self) -> SpikeSettings:
        return self._settings

    def update(self, at: float, value: float) -> SpikePoint:
        """Judge the point ``value`` observed at ``at`` (POSIX seconds, after the last one)."""
        scores: list[float] = []
        flags: list[bool] = []
        expected: list[float] = []
        self.run((at,), (value,), scores, flags, expected)
        return SpikePoint(scores[0], flags[0], expected[0])

    def run(self, times: Sequence[float], values: Sequence[float], scores: list[float],
            flags: list[bool], expected: list[float]) -> None:
        """Judge points in order, appending each verdict to the three lists.

        One loop over local variables (the state is loaded once and stored back), because it
        runs per point in pure Python: 2-3 µs a point, 300,000 points/s or more on one core.
        """
        s = self._settings
        bins = s.season_bins
        bin_s = SECONDS_PER_DAY / bins if bins else SECONDS_PER_DAY
        clip = s.clip
        sclip = s.scale_clip
        t0 = s.tail_start
        cap = s.tail_excess_cap
        a_exc = 1.0 - math.pow(0.5, 1.0 / s.tail_excess_halflife)
        both = s.direction == "both"
        warm_s = s.warmup_days * SECONDS_PER_DAY
        cool_s = s.cooldown_days * SECONDS_PER_DAY
        threshold = s.threshold
        last_t = self._last_t
        last_alert = self._last_alert
        step = self._step
        is_count = self._is_count
        a_l, a_s, a_d, a_t, startup = _weights(s, step)
        bs = self._base
        n, start, level, scale, pmean, prof, prof_n = (
            bs.n, bs.start, bs.level, bs.scale, bs.pmean, bs.prof, bs.prof_n)
        ws_ = self._win
        ks, wn, ring, sums, wscale, rate, mexc, bonus = (
            ws_.ks, ws_.n, ws_.ring, ws_.sums, ws_.scale, ws_.rate, ws_.mexc, ws_.bonus)
        nwin = len(ks)
        width = len(ring)
        for t_in, x_in in zip(times, values, strict=True):
            t = float(t_in)
            x = float(x_in)
            if not (math.isfinite(t) and math.isfinite(x)):
                raise InputError(f"not a finite number: time {t!r}, value {x!r}")
            if last_t is not None:
                gap = t - last_t
                if gap <= 0:
                    raise InputError(f"times must increase: {t!r} does not come after {last_t!r}")
                if gap < step or n == 1:
                    step = gap
                    a_l, a_s, a_d, a_t, startup = _weights(s, step)
                    new_ks = _window_points(s, step)
                    if new_ks != ks:  # the windows' lengths in points changed: rebuild them
                        ws_.n = wn
                        ws_ = _Windows(new_ks)
                        ks, wn, ring, sums, wscale, rate, mexc, bonus = (
                            ws_.ks, ws_.n, ws_.ring, ws_.sums, ws_.scale, ws_.rate, ws_.mexc,
                            ws_.bonus)
                        nwin = len(ks)
                        width = len(ring)
            last_t = t
            if is_count and (x < 0.0 or x != math.floor(x)):
                # Not counts after all (a share, a rate): start afresh on the values' own scale.
                is_count = False
                bs = _Baseline(bins)
                n, start, level, scale, pmean, prof, prof_n = (
                    bs.n, bs.start, bs.level, bs.scale, bs.pmean, bs.prof, bs.prof_n)
                ws_ = _Windows(ks)
                wn, ring, sums, wscale, rate, mexc = (
                    ws_.n, ws_.ring, ws_.sums, ws_.scale, ws_.rate, ws_.mexc)
            u = 2.0 * math.sqrt(x + 0.375) if is_count else x
            if start is None:
                start = t
                level = u
            floor = 1.0 if is_count else 1e-9 * max(1.0, abs(level))
            if bins:
                b = int((t % SECONDS_PER_DAY) // bin_s)
                base = level + prof[b] - pmean
            else:
                b = 0
                base = level
            r = u - base
            warm = n >= _MIN_WARM_POINTS and (t - start) >= warm_s
            best = 0.0
            for j in range(nwin):
                k = ks[j]
                sums[j] += r
                if wn >= k:
                    sums[j] -= ring[(wn - k) % width]  # the point leaving the window
                    m = sums[j] / k
                else:
                    m = sums[j] / (wn + 1)
                wfloor = floor / math.sqrt(k)
                sc = wscale[j] if wscale[j] > wfloor else wfloor
                z = (abs(m) if both else m) / sc
                if z > t0:
                    if warm:
                        sj = -math.log10(rate[j]) + (z - t0) / (mexc[j] * _LN10) + bonus[j]
                        if sj > best:
                            best = sj
                    e = z - t0
                    e_cap = cap * mexc[j]
                    mexc[j] += a_exc * ((e if e < e_cap else e_cap) - mexc[j])
                    rate[j] += a_t * (1.0 - rate[j])
                else:
                    rate[j] -= a_t * rate[j]
                am = abs(m)
                if wn < startup:  # the first day: a plain running mean, nothing to clip against
                    wscale[j] += (am * _MEAN_ABS_TO_SD - wscale[j]) / (wn + 1)
                else:
                    lim = sclip * sc
                    wscale[j] += a_s * ((am if am < lim else lim) * _MEAN_ABS_TO_SD - wscale[j])
            ring[wn % width] = r
            wn += 1
            flag = warm and best >= threshold and (t - last_alert) >= cool_s
            if flag:
                last_alert = t
            scores.append(best)
            flags.append(flag)
            expected.append(max(0.0, base * base / 4.0 - 0.375) if is_count else base)
            # The baseline learns from the residual clipped at `clip` point scales.
            s1 = scale if scale > floor else floor
            lim = clip * s1
            rc = r if -lim < r < lim else (lim if r > 0.0 else -lim)
            ar = abs(r)
            if n < startup:
                level += rc / (n + 1)
                scale += (ar * _MEAN_ABS_TO_SD - scale) / (n + 1)
            else:
                level += a_l * rc
                slim = sclip * s1
                scale += a_s * ((ar if ar < slim else slim) * _MEAN_ABS_TO_SD - scale)
            if bins:
                cnt = prof_n[b]
                a = a_d if cnt * a_d >= 1.0 else 1.0 / (cnt + 1)
                d = a * rc
                prof[b] += d
                prof_n[b] = cnt + 1
                pmean += d / bins
            n += 1
        bs.n, bs.start, bs.level, bs.scale, bs.pmean = n, start, level, scale, pmean
        ws_.n = wn
        self._base = bs
        self._win = ws_
        self._is_count = is_count
        self._last_t = last_t
        self._last_alert = last_alert
        self._step = step


class _Baseline:
    """Level, point scale and time-of-day profile (mutable, private to the detector)."""

    __slots__ = ("level", "n", "pmean", "prof", "prof_n", "scale", "start")

    def __init__(self, bins: int) -> None:
        self.n = 0
        self.start: float | None = None
        self.level = 0.0
        self.scale = 0.0
        self.pmean = 0.0
        self.prof = [0.0] * max(bins, 1)
        self.prof_n = [0] * max(bins, 1)


class _Windows:
    """Per judged window: running sum, scale and tail model (mutable, private)."""

    __slots__ = ("bonus", "ks", "mexc", "n", "rate", "ring", "scale", "sums")

    def __init__(self, ks: tuple[int, ...]) -> None:
        self.ks = ks
        self.n = 0
        self.ring = [0.0] * max(ks)
        self.sums = [0.0] * len(ks)
        self.scale = [0.0] * len(ks)
        self.rate = [0.05] * len(ks)
        """Prior: z exceeds the tail start at 5 % of points, with a mean excess of 1."""
        self.mexc = [1.0] * len(ks)
        # A window of k points stays extreme ~k points: count its chance per episode, and
        # pay for judging several windows (Bonferroni).
        self.bonus = [math.log10(k) - math.log10(len(ks)) for k in ks]


def _window_points(s: SpikeSettings, step: float) -> tuple[int, ...]:
    return tuple(max(1, round(m * 60.0 / step)) for m in s.windows_minutes)


def _weights(s: SpikeSettings, step: float) -> tuple[float, float, float, float, int]:
    """Per-point EWMA weights (level, scale, time-of-day profile, tail rate) and the length of
    the start-up (a day of points) for a sampling step of ``step`` seconds."""
    per_day = SECONDS_PER_DAY / step
    per_bin_day = max(1.0, SECONDS_PER_DAY / max(s.season_bins, 1) / step)

    def weight(halflife_points: float) -> float:
        return 1.0 - math.pow(0.5, 1.0 / max(halflife_points, 1.0))

    return (weight(s.level_halflife_days * per_day), weight(s.scale_halflife_days * per_day),
            weight(s.season_halflife_days * per_bin_day),
            weight(s.tail_rate_halflife_days * per_day), max(_MIN_WARM_POINTS, int(per_day)))
