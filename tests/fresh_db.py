"""Fresh databases at head without running the migrations for every test.

Running the Alembic migrations takes 0.3 s on SQLite and 0.6 s on PostgreSQL on an idle machine
(several times that on a busy one), and most tests want nothing more than an empty database at
head. :func:`migrate` is :func:`clearance.storage.upgrade` to head for a database this test run
has just made:

- SQLite: a database file that does not exist yet becomes a copy of a template file that the
  real migrations built once per run (the bytes :func:`upgrade` would have written).
- PostgreSQL: a fresh, empty schema from the ``postgres_url`` fixture is replaced by a recycled
  one of the same name. :func:`release` (``postgres_url``'s teardown) recycles a schema only when
  its structure -- tables, columns, defaults, constraints, indexes, triggers, functions, views,
  the Alembic revision -- is exactly that of a schema the migrations built in this run (compared
  in full the first time, and again whenever a digest of its catalog rows' versions has moved,
  which any DDL does), and then resets its rows and sequences to that pristine schema's (the
  rows a migration seeds included); any other schema is dropped as before. A recycled schema
  therefore holds what a fresh migration would have left.

Anything else -- an existing SQLite file, a schema with objects in it, another revision, another
database -- goes to the real :func:`upgrade`, as do the tests of the migrations themselves, which
call :func:`upgrade` directly.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from clearance.storage import make_engine, upgrade
from clearance.storage.db import _sqlite_file

#: Tables, columns, defaults, constraints, indexes, triggers, functions and views of a schema,
#: with the schema's own name taken out, so two schemas built alike compare equal.
_STRUCTURE = """
SELECT 'r:' || c.relname || ':' || c.relkind::text || ':' || c.relpersistence::text
       || ':' || c.relrowsecurity::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s
UNION ALL
SELECT 'c:' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
       || ':' || a.attnotnull::text || ':' || a.attnum::text || ':'
       || coalesce(replace(pg_get_expr(d.adbin, d.adrelid), :s, ''), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE n.nspname = :s
UNION ALL
SELECT 'k:' || replace(k.conrelid::regclass::text, :s, '') || '.' || k.conname || ':'
       || replace(pg_get_constraintdef(k.oid), :s, '')
  FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = :s
UNION ALL
SELECT 'i:' || replace(pg_get_indexdef(i.indexrelid), :s, '')
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s
UNION ALL
SELECT 't:' || replace(pg_get_triggerdef(t.oid), :s, '') || ':' || t.tgenabled::text
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND NOT t.tgisinternal
UNION ALL
SELECT 'f:' || p.proname || ':' || md5(replace(pg_get_functiondef(p.oid), :s, ''))
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :s
UNION ALL
SELECT 'v:' || c.relname || ':' || md5(replace(pg_get_viewdef(c.oid), :s, ''))
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :s AND c.relkind IN ('v', 'm')
"""


#: A digest of the catalog rows that describe a schema's tables, columns, defaults, constraints,
#: indexes, triggers, functions, rules and sequences, by row version (``xmin``): any DDL writes
#: or deletes one of them, and rows, statistics and vacuum leave them as they are. Cheap where
#: :data:`_STRUCTURE` deparses every definition, so a recycled schema is described in full again
#: only when this digest moved.
_CATALOG_VERSIONS = """
WITH ns AS MATERIALIZED (SELECT oid FROM pg_namespace WHERE nspname = :s),
rel AS MATERIALIZED (SELECT array_agg(c.oid) AS oids FROM pg_class c
                      WHERE c.relnamespace = (SELECT oid FROM ns))
SELECT md5(coalesce(string_agg(v, ',' ORDER BY v), '')) FROM (
  SELECT 'c' || c.oid::text || ':' || c.xmin::text FROM pg_class c
   WHERE c.oid = ANY ((SELECT oids FROM rel)::oid[])
  UNION ALL
  SELECT 'a' || a.attrelid::text || '.' || a.attnum::text || ':' || a.xmin::text
    FROM pg_attribute a WHERE a.attrelid = ANY ((SELECT oids FROM rel)::oid[])
  UNION ALL
  SELECT 'd' || d.oid::text || ':' || d.xmin::text FROM pg_attrdef d
   WHERE d.adrelid = ANY ((SELECT oids FROM rel)::oid[])
  UNION ALL
  SELECT 'k' || k.oid::text || ':' || k.xmin::text FROM pg_constraint k
   WHERE k.connamespace = (SELECT oid FROM ns)
  UNION ALL
  SELECT 'i' || i.indexrelid::text || ':' || i.xmin::text FROM pg_index i
   WHERE i.indrelid = ANY ((SELECT oids FROM rel)::oid[])
  UNION ALL
  SELECT 't' || t.oid::text || ':' || t.xmin::text FROM pg_trigger t
   WHERE t.tgrelid = ANY ((SELECT oids FROM rel)::oid[])
  UNION ALL
  SELECT 'p' || p.oid::text || ':' || p.xmin::text FROM pg_proc p
   WHERE p.pronamespace = (SELECT oid FROM ns)
  UNION ALL
  SELECT 'w' || w.oid::text || ':' || w.xmin::text FROM pg_rewrite w
   WHERE w.ev_class = ANY ((SELECT oids FROM rel)::oid[])
  UNION ALL
  SELECT 'q' || q.seqrelid::text || ':' || q.xmin::text FROM pg_sequence q
   WHERE q.seqrelid = ANY ((SELECT oids FROM rel)::oid[])
) AS catalog(v)
"""

#: Recycled schemas kept ready at most (tests that migrate with upgrade() itself release
#: migrated schemas without taking any).
_SPARE = 4


class _Postgres:
    """The pristine schema of one PostgreSQL server, and the recycled schemas ready for use."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, poolclass=NullPool)
        self.pristine: str | None = None
        self.structure: frozenset[str] = frozenset()
        self.revision: list[str] = []
        self.tables: list[str] = []
        self.seeded: list[str] = []
        self.sequences: list[tuple[str, int, bool]] = []
        self.ready: list[str] = []
        self.fresh: set[str] = set()
        #: schema -> its catalog digest (_CATALOG_VERSIONS) when it was last found intact
        self.intact: dict[str, str] = {}

    def url_for(self, schema: str) -> str:
        url = make_url(self.admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def _describe(self, connection: Connection, schema: str) -> tuple[frozenset[str], list[str]]:
        rows = connection.execute(text(_STRUCTURE), {"s": schema}).scalars().all()
        return frozenset(rows), self._revision(connection, schema)

    @staticmethod
    def _revision(connection: Connection, schema: str) -> list[str]:
        has_version = connection.execute(text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = :s "
            "AND tablename = 'alembic_version'"), {"s": schema}).scalar_one()
        return (sorted(connection.execute(text(
            f'SELECT version_num FROM "{schema}".alembic_version')).scalars().all())
            if has_version else [])

    def _ensure_pristine(self) -> str:
        if self.pristine is not None:
            return self.pristine
        schema = f"test_pristine_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        upgrade(self.url_for(schema))
        with self.admin.begin() as connection:
            self.structure, self.revision = self._describe(connection, schema)
            self.tables = list(connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                {"s": schema}).scalars())
            self.seeded = [t for t in self.tables if connection.execute(text(
                f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{t}")')).scalar_one()]
            for name in connection.execute(text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = :s "
                    "ORDER BY sequencename"), {"s": schema}).scalars():
                last, called = connection.execute(text(
                    f'SELECT last_value, is_called FROM "{schema}"."{name}"')).one()
                self.sequences.append((name, int(last), bool(called)))
        self.pristine = schema
        return schema

    def created(self, schema: str) -> None:
        self.fresh.add(schema)

    def migrate(self, schema: str) -> bool:
        """Give the empty fresh ``schema`` the contents of a migrated one; False if it cannot."""
        if schema not in self.fresh:
            return False
        self._ensure_pristine()
        with self.admin.begin() as connection:
            objects = connection.execute(text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s"), {"s": schema}).scalar_one()
            if objects or not self.ready:
                return False
            recycled = self.ready.pop()
            connection.execute(text(f'DROP SCHEMA "{schema}"'))
            connection.execute(text(f'ALTER SCHEMA "{recycled}" RENAME TO "{schema}"'))
        self.intact[schema] = self.intact.pop(recycled)
        self.fresh.discard(schema)
        return True

    def release(self, schema: str) -> None:
        """Recycle ``schema`` if it is built exactly as the migrations build it; else drop it."""
        self.fresh.discard(schema)
        known = self.intact.pop(schema, None)
        recycled = False
        try:
            digest = (self._reset(schema, known)
                      if self.pristine is not None and len(self.ready) < _SPARE else None)
            if digest is not None:
                spare = f"test_ready_{uuid.uuid4().hex[:12]}"
                with self.admin.begin() as connection:
                    connection.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{spare}"'))
                self.intact[spare] = digest
                self.ready.append(spare)
                recycled = True
        finally:
            if not recycled:  # whatever went wrong, the schema does not outlive its test
                with self.admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def _reset(self, schema: str, known: str | None) -> str | None:
        """Reset ``schema`` to the pristine rows and return its catalog digest, or None when it
        is not built as the migrations build it (or cannot be reset)."""
        pristine = self.pristine
        assert pristine is not None
        try:
            return self._reset_rows(schema, pristine, known)
        except (SQLAlchemyError, psycopg.Error):
            return None  # a lock held past the timeout, say: the schema is dropped instead

    def _reset_rows(self, schema: str, pristine: str, known: str | None) -> str | None:
        with self.admin.connect() as connection, connection.begin():
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            digest: str = connection.execute(text(_CATALOG_VERSIONS), {"s": schema}).scalar_one()
            if digest != known:  # DDL since it was last found intact (or never checked)
                if self._describe(connection, schema) != (self.structure, self.revision):
                    return None
            elif self._revision(connection, schema) != self.revision:
                return None
            # Every row goes, with the triggers (foreign keys, the audit log's append-only
            # guard) off for this transaction: then the rows the migrations seeded, and the
            # sequences as the migrations left them. A single round trip.
            statements = ["SET LOCAL session_replication_role = replica"]
            statements += [f'DELETE FROM "{schema}"."{t}"' for t in self.tables
                           if t != "alembic_version"]
            statements += [f'INSERT INTO "{schema}"."{t}" SELECT * FROM "{pristine}"."{t}"'
                           for t in self.seeded if t != "alembic_version"]
            statements += [f"SELECT setval('\"{schema}\".\"{name}\"', {last}, {called})"
                           for name, last, called in self.sequences]
            driver: Any = connection.connection.driver_connection
            driver.execute("; ".join(statements))
        return digest

    def close(self) -> None:
        with self.admin.begin() as connection:
            for schema in [*self.ready, *([self.pristine] if self.pristine else [])]:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self.ready.clear()
        self.intact.clear()
        self.pristine = None
        self.admin.dispose()


_postgres: dict[str, _Postgres] = {}
_sqlite_template: list[Path] = []


def _key(admin_url: str) -> str:
    return make_url(admin_url).render_as_string(hide_password=False)


def _server(admin_url: str) -> _Postgres:
    key = _key(admin_url)
    if key not in _postgres:
        _postgres[key] = _Postgres(key)
    return _postgres[key]


def created_schema(admin_url: str, schema: str) -> None:
    """``schema`` was just created empty on ``admin_url``'s server for one test."""
    _server(admin_url).created(schema)


def release(admin_url: str, schema: str) -> None:
    """The test that used ``schema`` is over: recycle it or drop it."""
    _server(admin_url).release(schema)


def _search_path_schema(options: str) -> str | None:
    parts = options.split()
    if len(parts) == 1 and parts[0].startswith("-csearch_path="):
        return parts[0].removeprefix("-csearch_path=")
    return None


def _copy_sqlite_template(target: Path) -> None:
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="clearance-template-"))
        path = folder / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()  # the last connection checkpoints the WAL into the file
        _sqlite_template.append(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template[0], target)


def migrate(url: str) -> None:
    """Bring the database at ``url`` to head, as :func:`upgrade` does (see the module doc)."""
    parsed = make_url(url)
    sqlite_file = _sqlite_file(parsed)
    if sqlite_file is not None and not sqlite_file.exists() and not parsed.query:
        _copy_sqlite_template(sqlite_file)
        return
    if parsed.get_backend_name() == "postgresql":
        options = parsed.query.get("options")
        schema = _search_path_schema(options) if isinstance(options, str) else None
        if schema is not None:
            admin_url = parsed.difference_update_query(["options"]).render_as_string(
                hide_password=False)
            server = _postgres.get(_key(admin_url))
            if server is not None and server.migrate(schema):
                return
    upgrade(url)


def close() -> None:
    """End of the run: drop the recycled and pristine schemas, remove the SQLite template."""
    for server in _postgres.values():
        server.close()
    _postgres.clear()
    for path in _sqlite_template:
        shutil.rmtree(path.parent, ignore_errors=True)
    _sqlite_template.clear()
