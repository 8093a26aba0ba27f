"""The after-release monitor: watching the public's reaction to a title once its marketing is out.

Posts, petitions and news are turned into per-title series (volume, share negative, themes), and
the monitor raises an alert while a backlash is still forming. This package holds the parts that
work on those series:

* :mod:`clearance.monitor.spikes` — the **spike detector**: an online detector for count and
  share series that scores every point from that point and the ones before it only, and decides
  when to alert (its own cooldown included);
* :mod:`clearance.monitor.nab` — the Numenta Anomaly Benchmark's scoring rules, used to measure
  any detector on labelled series (``bench/bench_nab.py``, ``docs/monitor.md``).
"""
