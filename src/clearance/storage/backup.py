"""Backup and restore of a whole Clearance installation: the database, the blob store and the
quarantine vault, in one archive (``clearance backup`` / ``clearance restore``; docs/deploy.md).

**The archive** is a tar file (gzip-compressed when its name ends in ``.gz`` or ``.tgz``):

* ``db/<table>.jsonl`` — every row of every table of the schema, one JSON object per line,
  read in **one read-only transaction** (PostgreSQL: ``REPEATABLE READ``), so the dump is one
  consistent moment even while the service keeps writing. Values are typed by their column:
  times as ISO 8601 with microseconds (UTC for zoned columns), dates ISO, bytes base64, JSON as
  JSON. The dump is logical, so a backup of SQLite restores into PostgreSQL and back.
* ``blobs/ab/cd/<sha256>`` — the blob store. Blobs are named by their content's SHA-256, so
  each is checked against its name when it is written and when it is restored.
* ``vault/<name>.bin`` — the quarantine vault's sealed files, still encrypted; the key is
  **not** in the archive (it is a secret of the installation: ``CLEARANCE_QUARANTINE_KEY``).
* ``manifest.json`` — the format, when and by which version, the schema revision, every table's
  row count and the SHA-256 of its dump, the blob and vault counts, the vault files' SHA-256,
  and the audit chain's length and head.

**Restore** goes into a **new, empty** database and empty blob and vault folders (anything else is
refused before a row is written): the schema is created at the backup's revision, the rows are
inserted in foreign-key order in one transaction and each table's count and digest checked,
PostgreSQL's id sequences are set past the restored ids, the blobs and vault files are written
after checking their digests, the schema is then upgraded to this version's head if the backup
is older, and the **audit chain is verified**: its length and head hash must be the manifest's,
so a restore that lost or altered an event fails loudly.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import Connection, Engine, Integer, Table, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import JSON, Date, DateTime, LargeBinary, TypeEngine

from clearance import __version__
from clearance.errors import InputError, StorageError
from clearance.storage.db import (
    MIGRATIONS_DIR,
    as_utc,
    current_revision,
    describe_db_error,
    head_revision,
    upgrade,
)
from clearance.storage.models import Base

FORMAT: Final = "clearance-backup/1"
MANIFEST: Final = "manifest.json"
#: Rows inserted per statement while restoring.
BATCH: Final = 500
_BLOB_NAME: Final = re.compile(r"[0-9a-f]{64}")
_VAULT_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,200}\.bin")
#: Tables the migrations fill in a new database (0004: the two banks and the bank revision):
#: not "data" when checking that a target is empty, and replaced by the backup's rows.
SEEDED: Final = frozenset({"banks", "bank_state"})


@dataclass(frozen=True, slots=True)
class Target:
    """Where an installation keeps its state: the database, the blob store, the vault folder."""

    engine: Engine
    blob_dir: Path
    vault_dir: Path

    @property
    def database(self) -> str:
        """The database URL without its password (for messages)."""
        return make_url(str(self.engine.url)).render_as_string(hide_password=True)


@dataclass
class Report:
    """What a backup wrote or a restore read back."""

    path: Path
    revision: str
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    blob_bytes: int = 0
    vault_files: int = 0
    audit_events: int = 0
    audit_head: str | None = None
    #: The schema revision after a restore (the head of this version).
    upgraded_to: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# -- values ------------------------------------------------------------------------------------

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _same(value: Any) -> Any:
    return value


def _codec(type_: TypeEngine[Any]) -> Codec:
    """How a column's values are written to JSON and read back."""
    if isinstance(type_, DateTime):
        zoned = bool(type_.timezone)

        def dump_dt(v: Any) -> Any:
            return None if v is None else (as_utc(v) if zoned else v).isoformat()

        def load_dt(v: Any) -> Any:
            return None if v is None else dt.datetime.fromisoformat(v)

        return dump_dt, load_dt
    if isinstance(type_, Date):
        return ((lambda v: None if v is None else v.isoformat()),
                (lambda v: None if v is None else dt.date.fromisoformat(v)))
    if isinstance(type_, LargeBinary):
        return ((lambda v: None if v is None else base64.b64encode(bytes(v)).decode("ascii")),
                (lambda v: None if v is None else base64.b64decode(v)))
    if isinstance(type_, JSON):
        return _same, _same
    return _same, _same


def _codecs(table: Table) -> dict[str, Codec]:
    return {c.name: _codec(c.type) for c in table.columns}


def _tables() -> list[Table]:
    """Every table of the schema, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


# -- backup ------------------------------------------------------------------------------------

def _sha256_file(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def _add(tar: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    info.mode = 0o600
    handle.seek(0)
    tar.addfile(info, handle)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction over the whole dump (a consistent moment)."""
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
        options["postgresql_readonly"] = True
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


def _blob_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for first in sorted(p for p in root.iterdir() if p.is_dir() and len(p.name) == 2):
        for second in sorted(p for p in first.iterdir() if p.is_dir() and len(p.name) == 2):
            for path in sorted(second.iterdir()):
                if path.is_file() and _BLOB_NAME.fullmatch(path.name):
                    yield path.name, path


def _vault_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.iterdir()
                          if p.is_file() and _VAULT_NAME.fullmatch(p.name))


def _writer(path: Path) -> tarfile.TarFile:
    if path.name.endswith((".gz", ".tgz")):
        return tarfile.open(path.with_name(path.name + ".partial"), "w:gz")
    return tarfile.open(path.with_name(path.name + ".partial"), "w")


def backup(target: Target, out: Path, *, blobs: bool = True) -> Report:
    """Write ``target`` (database, blobs unless ``blobs=False``, vault) to the archive ``out``,
    which must not exist yet; written to a temporary name first and renamed when complete."""
    if out.exists():
        raise InputError(f"{out} exists already: a backup never overwrites a file; choose "
                         "another name")
    if not out.parent.is_dir():
        raise InputError(f"cannot write {out}: the folder {out.parent} does not exist")
    revision = current_revision(target.engine)
    if revision is None:
        raise InputError(f"the database at {target.database} is empty: nothing to back up")
    if revision != head_revision():
        raise InputError(f"the database at {target.database} is at schema {revision}, this "
                         f"Clearance at {head_revision()}: run 'clearance db upgrade' first "
                         "(or back it up with the Clearance version that wrote it)")
    report = Report(out, revision)
    manifest: dict[str, Any] = {
        "format": FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "clearance_version": __version__, "revision": revision,
        "dialect": target.engine.dialect.name, "tables": {}, "vault": {}}
    partial = out.with_name(out.name + ".partial")
    try:
        with _writer(out) as tar:
            _dump_tables(target.engine, tar, manifest, report)
            if blobs:
                for name, path in _blob_files(target.blob_dir):
                    data = path.read_bytes()
                    if hashlib.sha256(data).hexdigest() != name:
                        raise StorageError(f"blob {path} is corrupt: its content does not hash "
                                           "to its name; restore it from an earlier backup")
                    _add(tar, f"blobs/{name[:2]}/{name[2:4]}/{name}", io.BytesIO(data),
                         len(data))
                    report.blobs += 1
                    report.blob_bytes += len(data)
            for path in _vault_files(target.vault_dir):
                data = path.read_bytes()
                manifest["vault"][path.name] = hashlib.sha256(data).hexdigest()
                _add(tar, f"vault/{path.name}", io.BytesIO(data), len(data))
                report.vault_files += 1
            manifest["blobs"] = {"included": blobs, "count": report.blobs,
                                 "bytes": report.blob_bytes}
            body = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
            _add(tar, MANIFEST, io.BytesIO(body), len(body))
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"cannot write {out}: {exc.strerror or exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


def _dump_tables(engine: Engine, tar: tarfile.TarFile, manifest: dict[str, Any],
                 report: Report) -> None:
    from clearance.storage.review_models import AuditEvent

    try:
        with _snapshot(engine) as connection:
            for table in _tables():
                codecs = _codecs(table)
                order = [c for c in table.primary_key.columns] or list(table.columns)
                count = 0
                with tempfile.TemporaryFile() as spool:
                    result = connection.execution_options(yield_per=2000).execute(
                        select(table).order_by(*order))
                    for row in result.mappings():
                        line = {k: codecs[k][0](v) for k, v in row.items()}
                        spool.write(json.dumps(line, ensure_ascii=False, sort_keys=True)
                                    .encode("utf-8") + b"\n")
                        count += 1
                    size = spool.tell()
                    digest = _sha256_file(spool)
                    _add(tar, f"db/{table.name}.jsonl", spool, size)
                manifest["tables"][table.name] = {"rows": count, "sha256": digest}
                report.tables[table.name] = count
            head = connection.execute(select(AuditEvent.seq, AuditEvent.hash)
                                      .order_by(AuditEvent.seq.desc()).limit(1)).first()
            report.audit_events = report.tables.get("audit_events", 0)
            report.audit_head = head[1] if head is not None else None
            manifest["audit"] = {"events": report.audit_events,
                                 "head_seq": head[0] if head is not None else 0,
                                 "head_hash": report.audit_head}
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the database: {describe_db_error(exc)}") from exc


# -- restore -----------------------------------------------------------------------------------

def _known_revision(revision: str) -> bool:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for an unknown revision
        return False


def _open(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise InputError(f"no backup at {archive}")
    try:
        return tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise InputError(f"{archive} is not a Clearance backup (not a readable tar archive: "
                         f"{exc})") from exc


def _member(tar: tarfile.TarFile, name: str, archive: Path) -> bytes:
    try:
        handle = tar.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        raise InputError(f"{archive} is incomplete: it has no {name}")
    with handle:
        return handle.read()


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup (for ``clearance restore --check``)."""
    with _open(archive) as tar:
        return _manifest(tar, archive)


def _manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(_member(tar, MANIFEST, archive))
    except ValueError as exc:
        raise InputError(f"{archive}: its manifest is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{archive} is not a Clearance backup of format {FORMAT} "
                         f"(its manifest says {manifest.get('format')!r})"
                         if isinstance(manifest, dict) else f"{archive}: a bad manifest")
    return manifest


def _refuse_unless_empty(target: Target, revision: str) -> None:
    present = current_revision(target.engine)
    if present is not None:
        names = set(inspect(target.engine).get_table_names())
        with target.engine.connect() as connection:
            filled = [t.name for t in _tables() if t.name in names and t.name not in SEEDED
                      and connection.execute(select(func.count()).select_from(t)).scalar()]
        if filled or present != revision:
            what = (f"its tables {', '.join(filled[:5])}{'…' if len(filled) > 5 else ''} "
                    "hold rows") if filled else f"it is at schema {present}"
            raise InputError(f"the database at {target.database} is not empty ({what}): "
                             "restore into a new, empty database")
    if any(True for _ in _blob_files(target.blob_dir)):
        raise InputError(f"the blob folder {target.blob_dir} holds blobs already: restore into "
                         "a new, empty folder")
    if any(True for _ in _vault_files(target.vault_dir)):
        raise InputError(f"the quarantine vault {target.vault_dir} holds sealed files "
                         "already: restore into a new data folder")


def restore(archive: Path, target: Target) -> Report:
    """Restore the backup ``archive`` into ``target`` (a new, empty database and empty blob and
    vault folders), then upgrade the schema to this version's head and verify the audit chain
    (see the module docstring)."""
    with _open(archive) as tar:
        manifest = _manifest(tar, archive)
        revision = str(manifest.get("revision", ""))
        if not _known_revision(revision):
            raise InputError(f"{archive} was made at schema {revision!r}, which this Clearance "
                             f"({__version__}, schema {head_revision()}) does not know: restore "
                             "it with the version that made it, or a newer one")
        _refuse_unless_empty(target, revision)
        report = Report(archive, revision)
        upgrade(target.engine, revision)
        _load_tables(tar, archive, manifest, target.engine, report)
        _write_blobs(tar, target.blob_dir, report)
        _write_vault(tar, archive, manifest, target.vault_dir, report)
    if revision != head_revision():
        upgrade(target.engine)
    report.upgraded_to = current_revision(target.engine)
    _check_audit(target.engine, manifest, report)
    return report


def _load_tables(tar: tarfile.TarFile, archive: Path, manifest: dict[str, Any], engine: Engine,
                 report: Report) -> None:
    expected: dict[str, Any] = manifest.get("tables") or {}
    unknown = set(expected) - {t.name for t in _tables()}
    if unknown:
        raise InputError(f"{archive} holds tables this schema does not have: "
                         f"{', '.join(sorted(unknown))}")
    try:
        with engine.begin() as connection:
            for table in reversed(_tables()):
                if table.name in SEEDED:
                    connection.execute(table.delete())
            for table in _tables():
                want = expected.get(table.name)
                if want is None:
                    continue  # a table newer than the backup: it stays empty
                body = _member(tar, f"db/{table.name}.jsonl", archive)
                if hashlib.sha256(body).hexdigest() != want.get("sha256"):
                    raise InputError(f"{archive} is damaged: db/{table.name}.jsonl does not "
                                     "match its digest in the manifest")
                codecs = _codecs(table)
                rows = []
                count = 0
                for line in body.splitlines():
                    data = json.loads(line)
                    rows.append({k: codecs[k][1](v) for k, v in data.items() if k in codecs})
                    count += 1
                    if len(rows) >= BATCH:
                        connection.execute(insert(table), rows)
                        rows = []
                if rows:
                    connection.execute(insert(table), rows)
                if count != want.get("rows"):
                    raise InputError(f"{archive} is damaged: db/{table.name}.jsonl has {count} "
                                     f"rows, the manifest says {want.get('rows')}")
                report.tables[table.name] = count
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot restore into the database: {describe_db_error(exc)}") \
            from exc


def _reset_sequences(connection: Connection) -> None:
    """Set each serial id's sequence past the restored ids (inserted with explicit ids)."""
    for table in _tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].autoincrement is False or not isinstance(
                keys[0].type, Integer):
            continue
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": keys[0].name}).scalar()
        if sequence is None:
            continue
        top = connection.execute(select(func.max(keys[0])).select_from(table)).scalar()
        connection.execute(text("SELECT setval(:s, :v, :called)"),
                           {"s": sequence, "v": top or 1, "called": top is not None})


def _write_blobs(tar: tarfile.TarFile, root: Path, report: Report) -> None:
    for member in tar:
        if not member.name.startswith("blobs/") or not member.isfile():
            continue
        name = member.name.rsplit("/", 1)[-1]
        if not _BLOB_NAME.fullmatch(name) or member.name != \
                f"blobs/{name[:2]}/{name[2:4]}/{name}":
            raise InputError(f"the backup holds an unexpected file {member.name!r}")
        handle = tar.extractfile(member)
        assert handle is not None
        data = handle.read()
        if hashlib.sha256(data).hexdigest() != name:
            raise InputError(f"the backup is damaged: blob {name} does not hash to its name")
        path = root / name[:2] / name[2:4] / name
        _write_file(path, data)
        report.blobs += 1
        report.blob_bytes += len(data)


def _write_vault(tar: tarfile.TarFile, archive: Path, manifest: dict[str, Any], root: Path,
                 report: Report) -> None:
    wanted: dict[str, str] = manifest.get("vault") or {}
    for name, digest in sorted(wanted.items()):
        if not _VAULT_NAME.fullmatch(name):
            raise InputError(f"{archive}: an unexpected vault file name {name!r}")
        data = _member(tar, f"vault/{name}", archive)
        if hashlib.sha256(data).hexdigest() != digest:
            raise InputError(f"{archive} is damaged: vault/{name} does not match its digest")
        _write_file(root / name, data, mode=0o600)
        report.vault_files += 1


def _write_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _check_audit(engine: Engine, manifest: dict[str, Any], report: Report) -> None:
    from sqlalchemy.orm import Session

    from clearance.review.audit import verify
    from clearance.storage.review_models import AuditEvent

    want = manifest.get("audit") or {}
    with Session(engine) as session:
        chain = verify(session)
        head = session.execute(select(AuditEvent.seq, AuditEvent.hash)
                               .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if not chain.ok:
        raise StorageError(f"the restored audit chain is broken at event {chain.broken_seq}: "
                           f"{chain.problem}")
    head_hash = head[1] if head is not None else None
    if chain.checked != want.get("events") or head_hash != want.get("head_hash"):
        raise StorageError(f"the restored audit chain has {chain.checked} events ending in "
                           f"{head_hash}; the backup had {want.get('events')} ending in "
                           f"{want.get('head_hash')}")
    report.audit_events, report.audit_head = chain.checked, head_hash
