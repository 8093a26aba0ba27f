"""Incidents: one place for a backlash, the asset versions that caused it, the response and
whether it worked (``docs/incidents.md``).

* :mod:`~clearance.incidents.records` — opening (by an alert rule, a person or by hand), links
  (alerts, versions live at the onset with how they got out, petitions), states and owners;
* :mod:`~clearance.incidents.actions` — the response actions, each all or nothing;
* :mod:`~clearance.incidents.effect` and :mod:`~clearance.incidents.outcome` — each action's
  measured effect and the theme shift (:mod:`~clearance.incidents.subjects`: poster,
  description, film);
* :mod:`~clearance.incidents.learning` — which findings and rules fired on the causing versions,
  and a draft policy change tried against the whole catalog with the what-if;
* :mod:`~clearance.incidents.views` and :mod:`~clearance.incidents.report` — the JSON shape and
  the standalone HTML report.

Nothing here imports the service or the command line.
"""
