"""Quarantine and the legal reporting path.

Content whose findings put a known or apparent minor next to an exposed intimate region
(:mod:`clearance.quarantine.rule`) may be illegal to hold or show. It is **held** in the
transaction that routes its screening into review, and from then on no reviewer sees it, even
blurred: its items are not listed and answer 404, on every page and API route. Its bytes are
**sealed**: encrypted at rest in a vault of their own (:mod:`clearance.quarantine.vault`) and
removed from the blob store. Only the ``legal`` role sees it, through ``/api/quarantine`` and
``clearance quarantine``, every access audited, and builds the **report package** a legal
channel (NCMEC CyberTipline, IWF) asks for: hashes, metadata, times, who saw it, and the bytes
only when asked (:mod:`clearance.quarantine.holds`).
"""

from clearance.quarantine.holds import (
    content,
    get_hold,
    hold,
    holds,
    is_held,
    report,
    seal_all,
)
from clearance.quarantine.rule import INTIMATE_REGIONS, MINOR_LABELS, quarantine_labels
from clearance.quarantine.vault import Vault

__all__ = ["INTIMATE_REGIONS", "MINOR_LABELS", "Vault", "content", "get_hold", "hold", "holds",
           "is_held", "quarantine_labels", "report", "seal_all"]
