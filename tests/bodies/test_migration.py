"""Migration d19a00000001 on a database that followed bodies as free text: each name becomes one body (names that
differ in case, spacing or a leading "the" are one), each body named gets the recommendation's loop, the old
assessments land on the new scale, and going back restores the loop from the first body."""
from datetime import date, datetime

import sqlalchemy as sa

from tests.test_migrations import _db
from tracker.extensions import db

BEFORE, AFTER = "d15c00000007", "d19a00000001"


def _tables(app):
    with app.app_context():
        engine = db.engine
    tables = sa.MetaData()
    tables.reflect(bind=engine)
    return engine, tables.tables


def test_free_text_bodies_become_records_and_keep_their_loops(fresh):
    app = fresh.app(fresh("bodies"))
    _db(app, "upgrade", BEFORE)
    engine, t = _tables(app)
    now = datetime(2026, 1, 1)
    stamps = dict(created_at=now, updated_at=now)
    with engine.begin() as connection:
        connection.execute(t["partnership"].insert(), [dict(id=1, name="P", area="", **stamps)])
        connection.execute(t["agency"].insert(), [dict(id=1, partnership_id=1, name="Avon Police", sector="police",
                                                       **stamps)])
        connection.execute(t["review"].insert(), [dict(
            id=1, partnership_id=1, reference="DHR 1", pseudonyms="A", status="published", review_type="dhr",
            independent_chair="", publication_url="", **stamps)])
        blank = dict(sent_on=None, response_due_on=None, response_received_on=None, response_text="",
                     assessment=None, welsh_text="", component="", **stamps)
        connection.execute(t["recommendation"].insert(), [{**blank, **row} for row in [
            dict(id=1, review_id=1, number="1", text="Revise the guidance", scope="national",
                 external_body="Home Office;  the home office ; NHS England", sent_on=date(2026, 1, 5),
                 response_due_on=date(2026, 3, 2), response_received_on=date(2026, 2, 1),
                 response_text="Accepted", assessment="partly_met"),
            dict(id=2, review_id=1, number="2", text="Fund advocates", scope="regional", external_body="",
                 sent_on=date(2026, 1, 6), response_due_on=date(2026, 3, 3), assessment="no_response"),
            dict(id=3, review_id=1, number="3", text="Train staff", scope="local", external_body="")]])
        connection.execute(t["recommendation_agency"].insert(), [dict(recommendation_id=2, agency_id=1)])
    _db(app, "upgrade", AFTER)
    engine, t = _tables(app)
    with engine.connect() as connection:
        bodies = dict(connection.execute(sa.select(t["external_body"].c.id, t["external_body"].c.name)).all())
        assert sorted(bodies.values()) == ["Avon Police (P)", "Home Office", "NHS England"]
        loops = connection.execute(sa.select(
            t["body_recommendation"].c.recommendation_id, t["body_recommendation"].c.body_id,
            t["body_recommendation"].c.sent_on, t["body_recommendation"].c.response_received_on,
            t["body_recommendation"].c.response_text, t["body_recommendation"].c.assessment)
            .order_by(t["body_recommendation"].c.id)).all()
        # the one answer recorded goes to the first body named; each body keeps the sending
        assert [(r[0], bodies[r[1]], r[4], r[5]) for r in loops] == [
            (1, "Home Office", "Accepted", "open_acceptable"), (1, "NHS England", "", None),
            (2, "Avon Police (P)", "", "open_awaited")]
        assert str(loops[1][2])[:10] == "2026-01-05" and loops[1][3] is None
        texts = dict(connection.execute(sa.select(t["recommendation"].c.id, t["recommendation"].c.external_body)).all())
        assert texts == {1: "Home Office; NHS England", 2: "Avon Police (P)", 3: ""}
        assert "sent_on" not in t["recommendation"].c
    _db(app, "downgrade", BEFORE)
    engine, t = _tables(app)
    with engine.connect() as connection:
        back = connection.execute(sa.select(t["recommendation"].c.id, t["recommendation"].c.sent_on,
                                            t["recommendation"].c.assessment)
                                  .order_by(t["recommendation"].c.id)).all()
        assert [(r[0], str(r[1])[:10] if r[1] else None, r[2]) for r in back] == [
            (1, "2026-01-05", "partly_met"), (2, "2026-01-06", "no_response"), (3, None, None)]
