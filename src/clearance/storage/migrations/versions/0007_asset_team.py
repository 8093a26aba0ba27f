"""Assets belong to a team (issue 10, item 9): ``assets.team_id``.

A submitter may add versions only to an asset of their own team; the first upload to a new asset
sets it, an admin sets it for an imported asset (``PUT /api/assets/{id}/team``). Existing assets
get the team of their review items when every item of every version names the same one; an asset
with items of several teams, or none, stays without a team (reviewers and admins may still add to
it; submitters wait for an admin).

On SQLite the ``assets`` table is rebuilt (batch mode); see 0004.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The one team named by every review item of an asset's versions, if there is one.
_BACKFILL = """
UPDATE assets SET team_id = (
    SELECT MIN(ri.team_id) FROM review_items ri
    JOIN asset_versions av ON av.id = ri.version_id
    WHERE av.asset_id = assets.id
)
WHERE (
    SELECT COUNT(DISTINCT ri.team_id) FROM review_items ri
    JOIN asset_versions av ON av.id = ri.version_id
    WHERE av.asset_id = assets.id
) = 1
AND NOT EXISTS (
    SELECT 1 FROM review_items ri
    JOIN asset_versions av ON av.id = ri.version_id
    WHERE av.asset_id = assets.id AND ri.team_id IS NULL
)
"""


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_assets_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_assets_team_id_teams"), "teams",
                                    ["team_id"], ["id"], ondelete="RESTRICT")
    op.execute(_BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_assets_team_id_teams"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_assets_team_id"))
        batch_op.drop_column("team_id")
