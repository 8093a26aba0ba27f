"""API routes of the legal reporting path (the ``legal`` role only): the quarantine's holds, a
held item's report package for a legal channel (NCMEC CyberTipline, IWF), and its bytes. Every
call is audited (:mod:`clearance.quarantine.holds`); no other role, admins included, may call
them (403), and no review route shows a held item to anyone (404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from clearance import quarantine
from clearance.errors import StorageError
from clearance.quarantine.vault import Vault
from clearance.service.deps import LegalDep, SessionDep, StateDep
from clearance.service.models_public import QuarantineHoldPublic, QuarantineList, QuarantineReport
from clearance.service.params import IdPath
from clearance.service.state import ServiceState
from clearance.storage.quarantine_models import QuarantineHold

router = APIRouter(tags=["quarantine"])


def _vault(state: ServiceState) -> Vault:
    if state.vault is None:  # pragma: no cover - create_app always makes one
        raise StorageError("the quarantine vault is not configured")
    return state.vault


def _hold_view(row: QuarantineHold) -> QuarantineHoldPublic:
    return QuarantineHoldPublic(
        item_id=row.item_id, version_id=row.version_id, labels=list(row.labels),
        sha256=row.sha256, md5=row.md5, sha1=row.sha1, size_bytes=row.size_bytes,
        content_type=row.content_type, held_at=row.held_at, sealed_at=row.sealed_at,
        plain_copy_removed_at=row.plain_removed_at)


@router.get("/quarantine")
def list_holds(actor: LegalDep, session: SessionDep) -> QuarantineList:
    """Every quarantined item, newest first (audited ``quarantine.list``)."""
    return QuarantineList(holds=[_hold_view(r) for r in quarantine.holds(session, actor)])


@router.get("/quarantine/{item_id}/report")
def hold_report(item_id: IdPath, actor: LegalDep, session: SessionDep, state: StateDep,
                include_bytes: Annotated[bool, Query(
                    description="add the content, base64, as file.base64")] = False,
                ) -> QuarantineReport:
    """The report package for a legal channel: the findings and when, the file's hashes
    (SHA-256, MD5, SHA-1) and size, where it came from and who uploaded it, every event on the
    item so far and who saw it; the bytes only with ``include_bytes`` (audited
    ``quarantine.export``)."""
    return QuarantineReport.model_validate(quarantine.report(
        session, actor, item_id, _vault(state), state.blobs, with_bytes=include_bytes))


@router.get("/quarantine/{item_id}/content", response_class=Response, responses={200: {
    "description": "The quarantined bytes, decrypted, with their content type.",
    "content": {"image/*": {"schema": {"type": "string", "format": "binary"}},
                "video/*": {"schema": {"type": "string", "format": "binary"}}}}})
def hold_content(item_id: IdPath, actor: LegalDep, session: SessionDep,
                 state: StateDep) -> Response:
    """The quarantined bytes themselves (audited ``quarantine.view``)."""
    row, data = quarantine.content(session, actor, item_id, _vault(state), state.blobs)
    return Response(data, media_type=row.content_type, headers={
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="quarantine-{item_id}"',
        "Content-Security-Policy": "default-src 'none'; sandbox"})
