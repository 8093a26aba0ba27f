"""Review: the people, queue, decisions, audit chain and webhooks that screening routes to.

* :mod:`clearance.review.access` — users, roles, passwords (argon2id), API tokens, sessions,
  permission checks;
* :mod:`clearance.review.queue` — submitting screened versions, the risk-ordered queue, claims
  with leases, reviews and the two-person rule, comments;
* :mod:`clearance.review.audit` — the append-only, hash-chained audit log;
* :mod:`clearance.review.webhooks` — signed decision notifications with retries.

Everything takes a SQLAlchemy session and an :class:`~clearance.review.access.Actor` and raises
only :class:`~clearance.errors.ClearanceError` subclasses (``Unauthenticated``, ``Forbidden``,
``NotFound``, ``ReviewConflict``, ``InputError``), which the API maps to problem+json.
"""
