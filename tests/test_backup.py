"""`flask tracker backup` and `flask tracker restore`, run as an operator runs them: a backup of a tracker in use,
restored into a fresh database, is the same row for row in every table, evidence files included."""
import re

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from tests.conftest import Browser
from tests.databases import EVIDENCE, populate, rows_of
from tracker.extensions import db
from tracker.partnerships.models import Partnership


def _tracker(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["tracker", *args], input=input)


def _compare_every_table(source, target):
    """{table: rows} for every table of the models, asserting each is the same in both, row for row."""
    compared = {}
    for table in db.metadata.sorted_tables:
        rows = rows_of(source, table)
        assert rows_of(target, table) == rows, f"{table.name} differs after the restore"
        compared[table.name] = len(rows)
    return compared


def _revision(app):
    with app.app_context(), db.engine.connect() as connection:
        return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


def test_a_backup_restored_into_a_fresh_database_is_the_same_row_for_row(app, make, fresh, tmp_path):
    lead = populate(app, make)
    backup = tmp_path / "tracker.backup"

    made = _tracker(app, "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert backup.stat().st_size > 2 * len(EVIDENCE)
    assert re.search(r"^  evidence_file +2$", made.output, re.M), made.output

    target = fresh.app(fresh("restore"))
    restored = _tracker(target, "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "this code's latest: ready to use" in restored.output
    assert _revision(target) == _revision(app)

    compared = _compare_every_table(app, target)
    assert len(compared) == len(db.metadata.sorted_tables)
    filled = {name for name, rows in compared.items() if rows}
    assert {"evidence_file", "progress_update", "audit_entry", "outbox_message", "user", "review",
            "recommendation", "action"} <= filled

    # the restored tracker is usable: the lead signs in there and downloads the evidence, byte for byte
    person = Browser(target.test_client())
    person.sign_in(lead.email)
    with app.app_context():
        action_id, update_id = db.session.execute(sa.text(
            "SELECT action_id, id FROM progress_update WHERE evidence_file_id IS NOT NULL ORDER BY id")).first()
    download = person.get(f"/actions/{action_id}/evidence/{update_id}")
    assert download.status_code == 200 and download.data == EVIDENCE


def test_a_database_with_records_is_replaced_only_when_asked_and_confirmed(app, make, fresh, tmp_path):
    populate(app, make)
    backup = tmp_path / "tracker.backup"
    assert _tracker(app, "backup", str(backup)).exit_code == 0
    target = fresh.app(fresh("restore"))
    assert _tracker(target, "restore", str(backup)).exit_code == 0
    with target.app_context():
        db.session.execute(sa.text("UPDATE evidence_file SET filename = 'changed since.pdf'"))
        db.session.add(Partnership(name="Added since", area="Elsewhere"))
        db.session.commit()

    def added_since():
        with target.app_context():
            return db.session.scalar(sa.text("SELECT count(*) FROM partnership WHERE name = 'Added since'"))

    refused = _tracker(target, "restore", str(backup))
    assert refused.exit_code == 1
    assert "already holds" in refused.output and "--replace" in refused.output
    assert added_since() == 1
    declined = _tracker(target, "restore", "--replace", str(backup), input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert added_since() == 1

    replaced = _tracker(target, "restore", "--replace", str(backup), input="y\n")
    assert replaced.exit_code == 0, replaced.output
    assert added_since() == 0
    assert len(_compare_every_table(app, target)) == len(db.metadata.sorted_tables)


def test_a_backup_holds_what_was_committed_when_it_started_not_a_write_in_progress(app, make, fresh, tmp_path):
    p = make.partnership(name="Committed before the backup")
    backup = tmp_path / "tracker.backup"
    with app.app_context():
        engine = db.engine
    with engine.connect() as writer:
        writer.execute(sa.text("UPDATE partnership SET name = 'Written during the backup' WHERE id = :id"),
                       {"id": p.id})
        made = _tracker(app, "backup", str(backup))
        writer.commit()
    assert made.exit_code == 0, made.output
    target = fresh.app(fresh("restore"))
    assert _tracker(target, "restore", str(backup)).exit_code == 0
    with target.app_context():
        assert db.session.scalars(sa.text("SELECT name FROM partnership")).all() == ["Committed before the backup"]


def test_a_backup_never_overwrites_an_earlier_one(app, make, tmp_path):
    make.partnership()
    earlier = tmp_path / "tracker.backup"
    earlier.write_bytes(b"last night's backup")
    refused = _tracker(app, "backup", str(earlier))
    assert refused.exit_code == 1 and "already exists" in refused.output
    assert earlier.read_bytes() == b"last night's backup"


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_is_touched(app, make, fresh, tmp_path):
    make.partnership(name="Kept")
    not_a_backup = tmp_path / "minutes.pdf"
    not_a_backup.write_bytes(EVIDENCE)
    refused = _tracker(app, "restore", "--replace", str(not_a_backup), input="y\n")
    assert refused.exit_code == 1 and "is not a tracker backup" in refused.output
    with app.app_context():
        assert db.session.scalars(sa.text("SELECT name FROM partnership")).all() == ["Kept"]


def test_a_backup_of_an_older_schema_is_restored_at_its_revision_and_says_to_upgrade(app, fresh, tmp_path):
    with app.app_context():
        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    head = scripts.get_current_head()
    previous = scripts.get_revision(head).down_revision
    older = fresh.app(fresh("older"))
    assert older.test_cli_runner().invoke(args=["db", "upgrade", previous]).exit_code == 0
    backup = tmp_path / "older.backup"
    assert _tracker(older, "backup", str(backup)).exit_code == 0

    target = fresh.app(fresh("restore"))
    restored = _tracker(target, "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert f"older than this code's {head}: run `flask db upgrade`" in restored.output
    assert _revision(target) == previous
    assert target.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    assert _revision(target) == head
