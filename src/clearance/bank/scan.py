"""Feed scans: a partner's or a channel's folder of images and videos (or a manifest of files with
their channel, locale and partner) checked against every bank.

Each file is hashed (PDQ for a picture, vPDQ for a video, told apart by their bytes) and looked up
in the bank index; the report says, per file, every match (bank, banked version, distance,
transform) and the decision the policy takes on them. A file that cannot be read or decoded is
reported with its error and the scan goes on; a manifest line that is not a JSON object with a
``path`` is reported as ``MANIFEST:LINE`` and skipped.

What each scan saw is kept (``scan_files``, per scanned path: the file's SHA-256 and a key of its
result), so a re-run can report only what changed: a new file, a file whose bytes or matches
changed (a version banked since, say), a file gone. The state is written once the whole scan is
done, in one transaction; a re-run over unchanged files changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, select

from clearance.bank import hashing
from clearance.bank.index import BankIndex
from clearance.content.images import NON_IMAGE_SUFFIXES, load_picture_file
from clearance.content.picture import Picture
from clearance.detectors.bank import WithdrawnMatchDetector, findings_for
from clearance.detectors.base import Item
from clearance.errors import ContentError, InputError, Problem
from clearance.policy.engine import evaluate
from clearance.policy.model import Policy
from clearance.screening import ScreenResult
from clearance.storage.bank_models import ScanFile
from clearance.storage.db import session_scope

MANIFEST_SUFFIXES: Final = (".jsonl", ".ndjson")
STATUSES: Final = ("new", "changed", "unchanged", "gone")


@dataclass(frozen=True, slots=True)
class Target:
    """One file to scan, with where it is published (from a manifest)."""

    path: Path
    scope: str
    channel: str | None = None
    locale: str | None = None
    partner: str | None = None


@dataclass(slots=True)
class Scanned:
    target: Target
    kind: str = "image"
    sha256: str | None = None
    matches: list[dict[str, Any]] = field(default_factory=list)
    decision: str = "pass"
    error: str | None = None
    status: str = "new"
    result: ScreenResult | None = None

    def result_key(self) -> str:
        body = json.dumps({"sha256": self.sha256, "matches": self.matches,
                           "error": self.error}, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": str(self.target.path), "kind": self.kind,
                               "status": self.status, "sha256": self.sha256,
                               "decision": self.decision, "matches": self.matches}
        for key in ("channel", "locale", "partner"):
            value = getattr(self.target, key)
            if value is not None:
                out[key] = value
        if self.error is not None:
            out["error"] = self.error
        return out


def _walk(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith(".") and \
                p.suffix.lower() not in NON_IMAGE_SUFFIXES:
            yield p


def read_manifest(path: Path, problems: list[Problem]) -> list[Target]:
    """The files a manifest lists (one JSON object a line: ``path``, and optionally
    ``channel``, ``locale``, ``partner``; a relative path is relative to the manifest)."""
    scope = str(path.resolve())
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"not JSON ({exc.msg})", str(path), n))
            continue
        if not isinstance(row, dict) or not isinstance(row.get("path"), str) or \
                not row["path"].strip():
            problems.append(Problem("each line needs a \"path\" (a string)", str(path), n))
            continue
        bad = [k for k in ("channel", "locale", "partner")
               if k in row and not isinstance(row[k], str)]
        if bad:
            problems.append(Problem(f"{', '.join(bad)} must be a string", str(path), n))
            continue
        file = Path(row["path"])
        out.append(Target(file if file.is_absolute() else path.parent / file, scope,
                          row.get("channel"), row.get("locale"), row.get("partner")))
    return out


def targets(paths: Sequence[Path], problems: list[Problem]) -> list[Target]:
    out: list[Target] = []
    for p in paths:
        if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES:
            out.extend(read_manifest(p, problems))
        elif p.is_dir():
            scope = str(p.resolve())
            out.extend(Target(f, scope) for f in _walk(p))
        elif p.exists():
            out.append(Target(p, str(p.resolve())))
        else:
            problems.append(Problem("no such file or folder", str(p), None))
    return out


def _is_video(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        return path.suffix.lower() in hashing.VIDEO_SUFFIXES
    return hashing.looks_like_video(head)


def scan_one(target: Target, index: BankIndex, policy: Policy, *, max_bytes: int,
             max_pixels: int) -> Scanned:
    out = Scanned(target)
    try:
        picture: Picture | None = None
        if _is_video(target.path):
            out.kind = "video"
            data_sha = hashlib.sha256(target.path.read_bytes()).hexdigest()
            hashes = hashing.vpdq_file(target.path)
        else:
            picture = load_picture_file(target.path, max_bytes=max_bytes, max_pixels=max_pixels)
            data_sha = picture.sha256
            hashes = hashing.query_hashes(picture.pixels)
        out.sha256 = data_sha
    except (ContentError, OSError) as exc:
        out.error = exc.message if isinstance(exc, ContentError) else f"{target.path}: {exc}"
        out.decision = "error"
        return out
    matches = index.match(hashes)
    findings = tuple(findings_for(matches, WithdrawnMatchDetector.name,
                                        WithdrawnMatchDetector.version))
    decision = evaluate(findings, policy)
    out.decision = decision.outcome
    out.matches = [m.to_dict() for m in matches]
    item = Item("image" if picture is not None else "video", name=str(target.path),
                image=picture)
    out.result = ScreenResult.of(item, decision, findings)
    return out


def scan(engine: Engine, index: BankIndex, policy: Policy, paths: Sequence[Path], *,
         max_bytes: int, max_pixels: int, problems: list[Problem],
         now: dt.datetime | None = None) -> list[Scanned]:
    """Scan ``paths`` (files, folders, manifests); each file's ``status`` says how it compares
    with the last scan of the same path, and files seen then but gone now are added as
    ``gone``. The state is saved for the next run."""
    found = [scan_one(t, index, policy, max_bytes=max_bytes, max_pixels=max_pixels)
             for t in targets(paths, problems)]
    scopes = sorted({s.target.scope for s in found} | {str(p.resolve()) for p in paths
                                                       if p.exists()})
    now = now or dt.datetime.now(dt.UTC)
    gone: list[Scanned] = []
    with session_scope(engine) as session:
        before = {(r.scope, r.path): r for r in session.scalars(
            select(ScanFile).where(ScanFile.scope.in_(scopes)))} if scopes else {}
        seen = set()
        for s in found:
            key = (s.target.scope, str(s.target.path))
            seen.add(key)
            row = before.get(key)
            result_key = s.result_key()
            if row is None:
                s.status = "new"
                session.add(ScanFile(scope=key[0], path=key[1], sha256=s.sha256,
                                     result_key=result_key, scanned_at=now))
            else:
                s.status = "unchanged" if row.result_key == result_key else "changed"
                row.sha256, row.result_key, row.scanned_at = s.sha256, result_key, now
        for key, row in before.items():
            if key not in seen:
                gone.append(Scanned(Target(Path(row.path), row.scope), status="gone",
                                    sha256=row.sha256, decision="gone"))
                session.delete(row)
    return found + gone
