"""``clearance backup`` and ``clearance restore``: the database, the blob store and the quarantine
vault in one archive, and back (:mod:`clearance.storage.backup`; docs/deploy.md).

Both work on the installation the settings name (``CLEARANCE_DATABASE_URL``,
``CLEARANCE_BLOB_DIR``, ``CLEARANCE_DATA_DIR``); ``restore`` takes ``--database-url``,
``--blob-dir`` and ``--data-dir`` to restore somewhere else (a new server, a rehearsal).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from clearance.cli.common import handle_errors, note
from clearance.settings import get_settings
from clearance.storage import backup as archive
from clearance.storage import make_engine


def _target(database_url: str | None, blob_dir: Path | None, data_dir: Path | None
            ) -> archive.Target:
    from clearance.quarantine.vault import VAULT_DIR

    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if blob_dir is not None:
        overrides["blob_dir"] = blob_dir
    settings = get_settings(**overrides)
    return archive.Target(make_engine(settings.resolved_database_url),
                          settings.resolved_blob_dir, settings.data_dir / VAULT_DIR)


def _summary(report: archive.Report) -> str:
    return (f"{report.rows} rows in {len(report.tables)} tables, {report.blobs} blobs "
            f"({report.blob_bytes:,} bytes), {report.vault_files} vault files, "
            f"{report.audit_events} audit events")


@click.command("backup")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-blobs", is_flag=True,
              help="Leave the blob store out (when it is backed up on its own, e.g. by the "
                   "storage it lives on); the database and vault are still written.")
@handle_errors
def backup_command(output: Path, no_blobs: bool) -> None:
    """Write the database, the blob store and the quarantine vault to OUTPUT.

    OUTPUT is a tar archive (gzip-compressed when it ends in .gz or .tgz) and must not exist
    yet. The database is read in one read-only transaction, so the service may keep running.
    The quarantine key is not included: keep CLEARANCE_QUARANTINE_KEY and
    CLEARANCE_SECRET_KEY with your other secrets. Exit 3 when OUTPUT exists or the database is
    empty or at another schema, 5 when the database or a blob cannot be read."""
    target = _target(None, None, None)
    try:
        report = archive.backup(target, output, blobs=not no_blobs)
    finally:
        target.engine.dispose()
    note(f"wrote {output}: {_summary(report)}; schema {report.revision}, audit head "
         f"{(report.audit_head or 'none')[:12]}")
    click.echo(str(output))


@click.command("restore")
@click.argument("archive_path", metavar="ARCHIVE",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--database-url", default=None, metavar="URL",
              help="Restore into this database instead of CLEARANCE_DATABASE_URL's (it must be "
                   "empty).")
@click.option("--blob-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Restore the blobs here instead of CLEARANCE_BLOB_DIR (empty or absent).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The data folder whose quarantine/ receives the vault (and, without "
                   "--blob-dir or CLEARANCE_BLOB_DIR, whose blobs/ receives the blobs).")
@click.option("--check", is_flag=True,
              help="Only read the archive's manifest and print it; change nothing.")
@handle_errors
def restore_command(archive_path: Path, database_url: str | None, blob_dir: Path | None,
                    data_dir: Path | None, check: bool) -> None:
    """Restore ARCHIVE (made by 'clearance backup') into a new, empty installation.

    The database must be empty and the blob and vault folders empty or absent; anything else
    is refused before a row is written. The rows and files are checked against the archive's
    digests, the schema is upgraded to this version's, and the audit chain is verified
    against the backup's. Exit 3 for a missing, damaged or newer archive or a target that is
    not empty, 5 when the restored chain does not verify or the database refuses."""
    if check:
        click.echo(json.dumps(archive.read_manifest(archive_path), indent=2, sort_keys=True))
        return
    target = _target(database_url, blob_dir, data_dir)
    try:
        report = archive.restore(archive_path, target)
    finally:
        target.engine.dispose()
    note(f"restored {archive_path} into {target.database}: {_summary(report)}; schema "
         f"{report.revision} -> {report.upgraded_to}; audit chain intact")
    click.echo(f"{report.audit_events} events, chain intact")
