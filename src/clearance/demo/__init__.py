"""The Cuties / Mignonnes case end to end: the demo catalog, the drawn posters, the screening at
three moments of the campaign, the withdrawn poster banked and a thumbnail cut from it blocked by
the hash bank, and (``--serve``) the review service seeded with it.

* :mod:`clearance.demo.case` — import, screen, check the expectations, write the reports;
* :mod:`clearance.demo.art` — the two posters, drawn by code (no photograph of anyone), and the
  thumbnail cut from one;
* :mod:`clearance.demo.serve` — the demo's versions in the review queue, one user per role;
* ``clearance/demo/data/`` — the catalog file and the recorded vendor responses.
"""

from clearance.demo.case import MOMENTS, SHOOT_DATE, DemoRun, check, run_demo, write_reports

__all__ = ["MOMENTS", "SHOOT_DATE", "DemoRun", "check", "run_demo", "write_reports"]
