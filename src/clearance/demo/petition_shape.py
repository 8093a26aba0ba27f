"""The shape of a real petition's first week, shipped as numbers (the data is not copied).

:data:`CUMULATIVE` is the share of the week's signatures reached at the end of each of its 168
hours, derived by ``bench/derive_petition_shape.py`` from petition 700143 of petition.parliament.uk
("Call a General Election", polled about once a minute from 24 November 2024;
``../shared/data/uk-petition-timeseries``, Open Government Licence v3): a first day's burst (58 %
of the week by hour 24), the night's lull, a second day half as strong, then a slow tail. The week
starts at its first poll, already in the burst. ``tests/test_demo_replay.py`` checks the numbers
against the data where ``../shared`` is present.

:func:`count_at` scales the shape to any petition: the replay's grows to 126,000 signatures over
the week, as the Cuties petition did "within days".
"""

from __future__ import annotations

import datetime as dt
from typing import Final

HOURS: Final = 168
CUMULATIVE: Final = (
    0.0054, 0.0090, 0.0110, 0.0125, 0.0147, 0.0208, 0.0269, 0.0336, 0.0563, 0.0885, 0.1215,
    0.1542, 0.1868, 0.2250, 0.2636, 0.3024, 0.3464, 0.3909, 0.4320, 0.4710, 0.5071, 0.5384,
    0.5606, 0.5725, 0.5778, 0.5805, 0.5824, 0.5841, 0.5859, 0.5896, 0.5987, 0.6121, 0.6284,
    0.6476, 0.6681, 0.6872, 0.7066, 0.7241, 0.7389, 0.7536, 0.7692, 0.7854, 0.8010, 0.8154,
    0.8271, 0.8368, 0.8437, 0.8459, 0.8482, 0.8504, 0.8527, 0.8549, 0.8572, 0.8595, 0.8617,
    0.8648, 0.8715, 0.8776, 0.8828, 0.8869, 0.8909, 0.8950, 0.8990, 0.9030, 0.9070, 0.9110,
    0.9150, 0.9191, 0.9227, 0.9244, 0.9260, 0.9277, 0.9294, 0.9310, 0.9327, 0.9344, 0.9360,
    0.9377, 0.9394, 0.9410, 0.9427, 0.9443, 0.9460, 0.9477, 0.9493, 0.9510, 0.9527, 0.9543,
    0.9560, 0.9577, 0.9593, 0.9610, 0.9626, 0.9643, 0.9649, 0.9656, 0.9662, 0.9669, 0.9675,
    0.9681, 0.9688, 0.9694, 0.9701, 0.9707, 0.9714, 0.9720, 0.9726, 0.9733, 0.9739, 0.9746,
    0.9752, 0.9759, 0.9765, 0.9771, 0.9778, 0.9784, 0.9791, 0.9797, 0.9804, 0.9810, 0.9816,
    0.9823, 0.9829, 0.9836, 0.9842, 0.9848, 0.9855, 0.9861, 0.9868, 0.9874, 0.9880, 0.9885,
    0.9889, 0.9894, 0.9899, 0.9904, 0.9909, 0.9914, 0.9919, 0.9924, 0.9928, 0.9932, 0.9936,
    0.9938, 0.9939, 0.9939, 0.9940, 0.9940, 0.9940, 0.9941, 0.9942, 0.9944, 0.9948, 0.9952,
    0.9956, 0.9960, 0.9964, 0.9968, 0.9972, 0.9975, 0.9979, 0.9983, 0.9986, 0.9989, 0.9993,
    0.9996, 0.9998, 1.0000
)


def count_at(start: dt.datetime, total: int, at: dt.datetime) -> int:
    """The petition's count at ``at``: ``total`` times the shape, linear within an hour; 0
    before ``start``, ``total`` after the week."""
    hours = (at - start).total_seconds() / 3600
    if hours <= 0:
        return 0
    if hours >= HOURS:
        return total
    whole = int(hours)
    low = CUMULATIVE[whole - 1] if whole > 0 else 0.0
    high = CUMULATIVE[whole]
    return round(total * (low + (high - low) * (hours - whole)))
