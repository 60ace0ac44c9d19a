"""Backups of the whole database, evidence files included (they are rows of evidence_file), taken while the tracker
runs: SQLite through its online backup API, PostgreSQL through pg_dump's custom format. Each backup is read from
one consistent snapshot, so the row counts printed are those of the file. A restore puts a backup into the
configured database and says whether the code expects a newer schema."""
import os
import re
import shutil
import sqlite3

# bandit B404: runs only pg_dump and pg_restore, found by path, with arguments built here
import subprocess  # nosec B404
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from tracker.extensions import db
from tracker.search.index import include_name


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass
class Summary:
    """What a backup file holds, or what a restore put in place."""

    path: Path
    size: int
    counts: dict  # table name -> rows
    revision: str

    @property
    def rows(self):
        return sum(self.counts.values())


def backup(path):
    """Write the whole database to `path`, a new file. It is written beside under another name and renamed when
    complete, so a file with the backup's name is always a whole backup."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists: choose a new file name, so that no earlier backup is lost.")
    partial = path.with_name(path.name + ".part")
    try:
        counts, revision = _backup_sqlite(partial) if _is_sqlite() else _backup_postgresql(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Summary(path, path.stat().st_size, counts, revision)


def restore(path, replace=False):
    """Put the backup at `path` in place of the configured database's contents. A database that holds records is
    refused unless `replace`; the backup is checked to be a tracker backup before anything is touched."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    revision = _sqlite_backup_revision(path) if _is_sqlite() else _postgresql_backup_revision(path)
    if not replace:
        holding = {name: rows for name, rows in _engine_counts(db.engine).items()
                   if rows and name != "alembic_version"}
        if holding:
            raise BackupError(f"The database already holds {sum(holding.values())} records in "
                                 f"{len(holding)} tables. Use --replace to overwrite them with the backup.")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold a lock or a view of the old contents
    if _is_sqlite():
        _restore_sqlite(path)
    else:
        _restore_postgresql(path)
    db.engine.dispose()
    counts = _engine_counts(db.engine)
    restored = _revision(db.engine)
    if restored != revision:
        raise BackupError(f"The restored database is at revision {restored}, not the backup's {revision}.")
    return Summary(path, path.stat().st_size, counts, revision)


def schema_advice(revision):
    """Whether a database at `revision` suits this code: the same head, older (upgrade it), or unknown to it."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    head = scripts.get_current_head()
    if revision == head:
        return f"The database is at revision {revision}, this code's latest: ready to use."
    known = {script.revision for script in scripts.walk_revisions()}
    if revision in known:
        return (f"The backup is at revision {revision}, older than this code's {head}: run `flask db upgrade` "
                "before starting the tracker.")
    return (f"The backup is at revision {revision}, which this code does not know (made by a newer release?): "
            "run the release that made it.")


def _is_sqlite():
    return db.engine.dialect.name == "sqlite"


def _counts(connection):
    """Rows in every table the database has (not only the ones this code's models know), bar the search index's,
    which are built from the others (and hold rows in a database that holds no records)."""
    return {name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
            for name in sorted(sa.inspect(connection).get_table_names()) if include_name(name, "table", {})}


def _engine_counts(engine):
    with engine.connect() as connection:
        return _counts(connection)


def _revision(engine):
    with engine.connect() as connection:
        return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


# SQLite: the backup API copies page by page from a consistent read, while the tracker keeps writing.

def _sqlite_file():
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise BackupError("The database is in memory: there is no file to back up or restore.")
    return name


def _backup_sqlite(target):
    with closing(sqlite3.connect(_sqlite_file())) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
    engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    try:
        return _engine_counts(engine), _revision(engine)
    finally:
        engine.dispose()


def _sqlite_backup_revision(path):
    """The backup's schema revision, read only; a file that is not a whole tracker backup is refused."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as copy:
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (SQLite's check failed): use another backup.")
            return copy.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except sqlite3.DatabaseError:
        raise BackupError(f"{path} is not a tracker backup of an SQLite database.") from None


def _restore_sqlite(path):
    with closing(sqlite3.connect(path)) as copy, closing(sqlite3.connect(_sqlite_file())) as live:
        copy.backup(live)


# PostgreSQL: pg_dump and pg_restore, in the custom format (compressed, restorable table by table).

def _backup_postgresql(target):
    # pg_dump reads the snapshot exported here, so the counts printed are exactly what the file holds
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            counts = _counts(connection)
            revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
            _run("pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}",
                 connect=True)
    return counts, revision


def _postgresql_backup_revision(path):
    try:
        listing = _run("pg_restore", "--list", str(path))
    except BackupError as error:
        raise BackupError(f"{path} is not a tracker backup of a PostgreSQL database ({error}).") from None
    if not re.search(r"^\d+; \d+ \d+ TABLE DATA \S+ alembic_version ", listing, re.M):
        raise BackupError(f"{path} is not a tracker backup: it has no schema revision.")
    script = _run("pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path))
    match = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(\S+)\n", script, re.M)
    if match is None:
        raise BackupError(f"{path} is not a tracker backup: its schema revision is empty.")
    return match.group(1)


def _restore_postgresql(path):
    listing = _run("pg_restore", "--list", str(path))
    in_backup = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, re.M))
    with db.engine.begin() as connection:
        # tables of a newer schema than the backup's would otherwise stay, with foreign keys to restored ones
        quote = connection.dialect.identifier_preparer.quote
        for name in set(sa.inspect(connection).get_table_names()) - in_backup:
            connection.execute(sa.text(f"DROP TABLE {quote(name)} CASCADE"))
    # one transaction: a restore that fails part-way leaves the database as it was
    _run("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
         str(path), connect=True)


def pg_tool(name):
    """The newest installed pg_dump or pg_restore: a client older than the server refuses to read it, and Debian
    keeps each major version's tools under /usr/lib/postgresql/<version>/bin."""
    installed = [p for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()]
    if installed:
        return str(max(installed, key=lambda p: int(p.parent.parent.name)))
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (Debian: postgresql-client) "
                          "of the server's major version or newer.")
    return found


def _run(tool, *args, connect=False):
    """Run a PostgreSQL tool, connected to the configured database when `connect`; the password goes in the
    environment, where other users of the machine cannot read it, never on the command line."""
    url = db.engine.url
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [pg_tool(tool), *args, *([f"--dbname={target}"] if connect else [])]
    # bandit B603: no shell; the program is a PostgreSQL tool and the arguments are the tracker's own
    done = subprocess.run(command, env=environment, capture_output=True, text=True)  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()}")
    return done.stdout
