"""`flask tracker backup` and `flask tracker restore`: the whole database, evidence files included, in one file."""
import click

from tracker.backup import BackupError, backup, restore, schema_advice
from tracker.cli import tracker_cli
from tracker.extensions import db


def _size(size):
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _describe(summary):
    filled = {name: rows for name, rows in summary.counts.items() if rows}
    return "\n".join([
        f"{summary.path} ({_size(summary.size)}): {len(summary.counts)} tables, {len(filled)} of them with "
        f"records, {summary.rows} rows in all; schema revision {summary.revision}.",
        *(f"  {name:<28}{rows:>10}" for name, rows in filled.items()),
    ])


@tracker_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file):
    """Back up the whole database, evidence files included, to FILE (a new file) while the tracker runs: SQLite
    through its online backup API, PostgreSQL with pg_dump in its custom format."""
    try:
        summary = backup(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {_describe(summary)}")


@tracker_cli.command("restore")
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds records (you are asked "
                                              "to confirm).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore_command(file, replace):
    """Restore FILE, made by `flask tracker backup`, into the configured database. Stop the web app and the
    scheduler first. A database that holds records is refused unless --replace."""
    if replace:
        click.confirm(f"Everything in the database {db.engine.url.database} will be replaced by {file}. Go on?",
                      abort=True)
    try:
        summary = restore(file, replace=replace)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {_describe(summary)}")
    click.echo(schema_advice(summary.revision))
