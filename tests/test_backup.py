"""``clearance backup`` / ``clearance restore`` on SQLite and PostgreSQL: a working installation
(users, a title, screened items with blobs, decisions, a saved filter, a route, a sealed vault
file, the audit chain) is backed up through the command line and restored into a fresh database
and fresh blob and data folders; every table's rows, every blob and vault file and the audit
chain come back, new rows get new ids, and a backup restores across databases. Refusals are
clear: an existing output, a target that is not empty, a damaged, foreign or missing archive,
and an archive whose audit log was rewritten (digests recomputed) fails the chain check."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from clearance.cli.main import cli
from clearance.quarantine.vault import VAULT_DIR, Vault
from clearance.review import access, queue, routing, saved_filters
from clearance.review.audit import verify
from clearance.storage import backup as archive
from clearance.storage import make_engine, session_scope
from clearance.storage.review_models import AuditEvent, Comment
from conftest import _require_postgres
from ui_world import UIWorld, build

KEY = "k" * 43 + "="  # not a usable Fernet key: the vault below gets its own


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """Another empty PostgreSQL schema (the ``database_url`` fixture holds the source)."""
    admin_url = _require_postgres()
    schema = f"restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def populate(world: UIWorld) -> None:
    """Decisions, a comment, a saved filter, a route and a sealed vault file on top of the UI
    world's users, title and two screened items."""
    with session_scope(world.engine) as s:
        rev = access.actor_for(access.get_user(s, "rev"), "session")
        senior = access.actor_for(access.get_user(s, "senior"), "session")
        admin = access.actor_for(access.get_user(s, "admin"), "session")
        queue.claim(s, rev, world.text_item, lease_seconds=600)
        queue.decide(s, rev, world.text_item, "reject", reason="off-brief ß",
                     reason_code="rating-mismatch", comment="Please rewrite it. ✓")
        saved_filters.save_filter(s, rev, "Français", "locale=fr", shared=True)
        routing.add_route(s, admin, "studio", locales=["fr"], note="French")
        queue.claim(s, senior, world.image_item, lease_seconds=600)
    vault = Vault(world.settings.data_dir / VAULT_DIR,
                  "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=")
    vault.seal(b"sealed evidence (a drawn picture's bytes would go here)")


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in the archive's own encoding (so two databases compare)."""
    out = {}
    with engine.connect() as connection:
        for table in archive._tables():
            codecs = archive._codecs(table)
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [{k: codecs[k][0](v) for k, v in row.items()} for row in
                               connection.execute(select(table).order_by(*order)).mappings()]
    return out


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith(".key")}


def run(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(cli, args, env=env)


def env_of(url: str, data: Path) -> dict[str, str]:
    return {"CLEARANCE_DATABASE_URL": url, "CLEARANCE_DATA_DIR": str(data)}


@pytest.fixture
def source(tmp_path: Path, database_url: str) -> Iterator[UIWorld]:
    world = build(tmp_path / "source", database_url=database_url)
    populate(world)
    yield world
    world.engine.dispose()


def test_backup_and_restore_into_a_fresh_installation(source: UIWorld, tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    target_url = (f"sqlite:///{tmp_path / 'restored' / 'clearance.db'}"
                  if source.engine.dialect.name == "sqlite"
                  else request.getfixturevalue("fresh_postgres"))
    out = tmp_path / "clearance-backup.tar.gz"
    env = env_of(source.settings.resolved_database_url, source.settings.data_dir)
    made = run(["backup", str(out)], env)
    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == str(out) and "audit events" in made.stderr
    manifest = json.loads(run(["restore", "--check", str(out)], env).stdout)
    assert manifest["format"] == "clearance-backup/1" and manifest["tables"]["users"]["rows"] == 5
    assert manifest["blobs"]["count"] == 2 and len(manifest["vault"]) == 1

    data = tmp_path / "new-data"
    restored = run(["restore", str(out), "--database-url", target_url,
                    "--data-dir", str(data)], {})
    assert restored.exit_code == 0, restored.output
    assert "chain intact" in restored.stdout
    engine = make_engine(target_url)
    try:
        assert dump(engine) == dump(source.engine)
        assert files(data / "blobs") == files(source.settings.resolved_blob_dir)
        assert files(data / VAULT_DIR) == files(source.settings.data_dir / VAULT_DIR)
        with Session(engine) as s, Session(source.engine) as before:
            chain = verify(s)
            assert chain.ok and chain.checked == verify(before).checked
            head = s.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
            assert head == manifest["audit"]["head_hash"]
        # the restored installation works: new rows get new ids, the chain grows
        with session_scope(engine) as s:
            rev = access.actor_for(access.get_user(s, "rev"), "session")
            comment = queue.add_comment(s, rev, source.image_item, "After the restore.")
            assert comment.id > 1
        with Session(engine) as s:
            assert verify(s).ok
            assert s.scalar(select(Comment.body).where(Comment.id == comment.id)) == \
                "After the restore."
        # restoring again into the now filled database is refused, and changes nothing
        again = run(["restore", str(out), "--database-url", target_url,
                     "--data-dir", str(tmp_path / "other-data")], {})
        assert again.exit_code == 3 and "is not empty" in again.output
        assert "restore into a new, empty database" in again.output
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_sqlite_backup_restores_into_postgresql(tmp_path: Path, fresh_postgres: str) -> None:
    world = build(tmp_path / "source")
    populate(world)
    out = tmp_path / "b.tar"
    env = env_of(world.settings.resolved_database_url, world.settings.data_dir)
    assert run(["backup", str(out)], env).exit_code == 0
    result = run(["restore", str(out), "--database-url", fresh_postgres,
                  "--data-dir", str(tmp_path / "pg-data")], {})
    assert result.exit_code == 0, result.output
    engine = make_engine(fresh_postgres)
    try:
        assert dump(engine) == dump(world.engine)
    finally:
        engine.dispose()
        world.engine.dispose()


def _rewrite(src: Path, dst: Path, change: Any) -> None:
    """Copy an archive, passing each member's bytes through ``change(name, data, manifest)``."""
    with tarfile.open(src, "r:*") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    manifest = json.loads(members.pop(archive.MANIFEST))
    with tarfile.open(dst, "w") as tar:
        for name, data in members.items():
            data = change(name, data, manifest)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        body = json.dumps(manifest).encode()
        info = tarfile.TarInfo(archive.MANIFEST)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))


def test_refusals_are_clear(tmp_path: Path) -> None:
    world = build(tmp_path / "source")
    populate(world)
    env = env_of(world.settings.resolved_database_url, world.settings.data_dir)
    out = tmp_path / "b.tar"
    assert run(["backup", str(out)], env).exit_code == 0
    exists = run(["backup", str(out)], env)
    assert exists.exit_code == 3 and "exists already" in exists.output
    for command in ("backup", "restore"):
        helped = run([command, "--help"], {})
        assert helped.exit_code == 0 and "Usage: cli " + command in helped.output

    def restore(path: Path, name: str) -> Result:
        return run(["restore", str(path), "--database-url",
                    f"sqlite:///{tmp_path / name / 'db.sqlite'}",
                    "--data-dir", str(tmp_path / name)], {})

    missing = restore(tmp_path / "nope.tar", "t1")
    assert missing.exit_code == 3 and "no backup at" in missing.output
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    assert "is not a Clearance backup" in restore(junk, "t2").output
    # a table dump changed after the backup: its digest no longer matches
    damaged = tmp_path / "damaged.tar"
    _rewrite(out, damaged, lambda n, d, m: d.replace(b"off-brief", b"on-brief")
             if n == "db/reviews.jsonl" else d)
    result = restore(damaged, "t3")
    assert result.exit_code == 3 and "db/reviews.jsonl does not match its digest" in \
        result.output
    # the audit log rewritten with its digest recomputed: the chain check catches it
    def forge(name: str, data: bytes, manifest: dict[str, Any]) -> bytes:
        if name != "db/audit_events.jsonl":
            return data
        forged = data.replace(b"off-brief", b"on-brief")
        manifest["tables"]["audit_events"]["sha256"] = hashlib.sha256(forged).hexdigest()
        return forged

    forged = tmp_path / "forged.tar"
    _rewrite(out, forged, forge)
    result = restore(forged, "t4")
    assert result.exit_code == 5 and "audit chain is broken at event" in result.output
    # a blob folder that holds blobs already
    busy = tmp_path / "t5"
    (busy / "blobs" / "aa" / "bb").mkdir(parents=True)
    (busy / "blobs" / "aa" / "bb" / ("ab" * 32)).write_bytes(b"x")
    result = restore(out, "t5")
    assert result.exit_code == 3 and "holds blobs already" in result.output
    # a foreign manifest
    foreign = tmp_path / "foreign.tar"
    _rewrite(out, foreign, lambda n, d, m: (m.update(format="other/9"), d)[1])
    assert "is not a Clearance backup of format" in restore(foreign, "t6").output
    world.engine.dispose()
