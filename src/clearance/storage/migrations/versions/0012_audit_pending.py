"""The audit chain is appended inside the commit (PostgreSQL): ``audit_pending`` and its deferred
constraint trigger.

Until now a transaction's events were appended by Python right before its commit: take the
chain's advisory lock, read the head, insert, then ``COMMIT`` -- three round trips to the client
with the lock held, each waiting for the worker's GIL under load. The load benchmark found 28 of
50 connections waiting on that lock and claims and decisions at 500 ms p50 (bench/README.md).

Now Python inserts the events into ``audit_pending`` (no lock) and the constraint trigger
``audit_pending_append`` (``DEFERRABLE INITIALLY DEFERRED``) runs inside ``COMMIT``: it takes the
same advisory lock, reads the head, hashes each pending event exactly as
``clearance.review.audit.event_hash`` does (Python made the canonical JSON around ``at`` and
``seq``), inserts them into ``audit_events`` and empties ``audit_pending``. The lock is held
for that and the commit's WAL flush, never across a round trip. The hash formula, the chain and
``clearance audit verify`` are unchanged. SQLite keeps the Python append (one writer at a time
there anyway); the table exists on both so the models match.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: ``hash = sha256(prev_hash || '\n' || canonical JSON)``, the JSON made of Python's parts and
#: ``at`` as ``_iso`` writes it (UTC, microseconds). The lock class is ``audit._PG_LOCK_CLASS``
#: ("CLRA"), keyed by schema as before. Later firings of the trigger in the same commit find the
#: table empty and return at once.
_PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_pending_append() RETURNS trigger AS $$
DECLARE
  head_seq integer;
  prev text;
  stamp timestamptz;
  digest text;
  r record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_pending) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(1129075265, hashtext(current_schema()));
  SELECT seq, hash INTO head_seq, prev FROM audit_events ORDER BY seq DESC LIMIT 1;
  IF NOT FOUND THEN
    head_seq := 0;
    prev := repeat('0', 64);
  END IF;
  FOR r IN SELECT * FROM audit_pending ORDER BY id LOOP
    head_seq := head_seq + 1;
    stamp := clock_timestamp();
    digest := encode(sha256(convert_to(
      prev || E'\n' || r.body_head
      || to_char(stamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
      || '","data":' || r.data || ',"seq":' || head_seq::text || r.body_tail, 'UTF8')), 'hex');
    INSERT INTO audit_events (seq, at, type, actor, subject, data, prev_hash, hash)
      VALUES (head_seq, stamp, r.type, r.actor, r.subject, r.data, prev, digest);
    prev := digest;
  END LOOP;
  DELETE FROM audit_pending;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER audit_pending_append AFTER INSERT ON audit_pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_pending_append();
"""


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("body_head", sa.Text(), nullable=False),
        sa.Column("body_tail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_pending_append ON audit_pending")
        op.execute("DROP FUNCTION IF EXISTS audit_pending_append()")
    op.drop_table("audit_pending")
