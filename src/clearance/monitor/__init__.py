"""The after-release monitor: watching the public's reaction to a title once its marketing is out.

Posts, petitions and news are turned into per-title series (volume, share negative, themes), and
the monitor raises an alert while a backlash is still forming (``docs/monitor.md``):

* reading — :mod:`~clearance.monitor.posts` (X, Reddit, Bluesky, CSV), :mod:`~.petitions`
  (snapshots, velocity, forecast), :mod:`~.feeds` (RSS/Atom through the outbound rule);
* scoring — :mod:`~.language` (the platform's tag or CLD3), :mod:`~.textmodel` (hashed n-gram
  heads: sentiment, offensive, cultural/racial), :mod:`~.themes` (the versioned theme lexicon),
  :mod:`~.scoring` (all of it per batch);
* linking — :mod:`~.linking` (names, hashtags, handles, cast, quoted copy; a co-signal for
  common-word titles), :mod:`~.catalog_names` (the index from the catalog);
* storing — :mod:`~.store` (exactly once per post key, aggregates in the same transaction),
  :mod:`~.ingest` (files, checkpointed), :mod:`~.stream` (NATS JetStream consumer and replay),
  :mod:`~.retention` (retention period, deletion requests);
* judging — :mod:`~.spikes` (the online spike detector, scored with :mod:`~.nab`'s rules),
  :mod:`~.signals` (series from the aggregates), :mod:`~.alerts` (rules, dedup, cooldown),
  :mod:`~.alert_context` (what an alert carries; the ``alert`` webhook via
  :mod:`~.subscribers`);
* showing — :mod:`~.charts` (server-side SVG), :mod:`~.dashboard`, :mod:`~.report`;
  :mod:`~.runtime` puts it together from settings for the command line.
"""
