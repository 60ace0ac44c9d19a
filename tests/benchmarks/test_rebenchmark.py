"""How often a partnership is benchmarked, when the next one is due, and the coordinators' reminders of it."""
import copy
import json
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.conftest import text
from tracker import ROOT
from tracker.accounts.models import User
from tracker.benchmarks import rebenchmark, services
from tracker.email import OutboxMessage, deliver_outbox
from tracker.extensions import db
from tracker.i18n import long_date
from tracker.partnerships.models import Partnership

MK = json.loads((ROOT.parent / "shared" / "data" / "milton-keynes-2012-benchmark.json").read_text())


def _benchmark(partnership_id, started_on):
    data = copy.deepcopy(MK)
    data["review_dates"] = {"start": started_on.isoformat(), "end": started_on.isoformat()}
    return services.import_json(db.session.get(Partnership, partnership_id), json.dumps(data))


@pytest.fixture
def world(app, make):
    with app.app_context():
        services.load_frameworks()
        services.load_reference_scores()
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    coordinator = make.member(p, "coordinator", name="Priya Shah", email="priya@example.org")
    welsh = make.member(p, "coordinator", name="Rhian Pritchard", email="rhian@example.org")
    lead = make.member(p, "agency_lead", agency=make.agency(p), email="tom@example.org")
    with app.app_context():
        db.session.get(User, welsh.id).language = "cy"
        db.session.commit()
    return dict(p=p, coordinator=coordinator, lead=lead)


def _sent(app):
    with app.app_context():
        return db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.subject)
                                  .where(OutboxMessage.kind == "benchmarks.rebenchmark")
                                  .order_by(OutboxMessage.id)).all()


def test_the_next_benchmark_is_due_the_chosen_months_after_the_latest(app, world):
    with app.app_context():
        partnership = db.session.get(Partnership, world["p"].id)
        assert rebenchmark.next_benchmark(partnership) is None and partnership.rebenchmark_months == 24
        _benchmark(partnership.id, date(2012, 7, 2))
        latest = _benchmark(partnership.id, date(2025, 1, 31))
        upcoming = rebenchmark.next_benchmark(partnership)
        assert (upcoming.latest.id, upcoming.due_on, upcoming.warned_from) == (latest.id, date(2027, 1, 31),
                                                                               date(2026, 10, 31))
        assert [upcoming.stage(day) for day in (date(2026, 10, 30), date(2026, 10, 31), date(2027, 1, 31))] == \
            [None, "soon", "due"]
        rebenchmark.save_interval(partnership, 36)
        assert rebenchmark.next_benchmark(partnership).due_on == date(2028, 1, 31)


def test_the_coordinator_sets_how_often_and_the_list_shows_when_the_next_is_due(app, world, as_user):
    with app.app_context():
        _benchmark(world["p"].id, date(2025, 1, 31))
    coordinator = as_user(world["coordinator"])
    page = text(coordinator.get(f"/partnerships/{world['p'].id}/benchmarks"))
    assert "The next benchmark is due on 31 January 2027: the partnership is benchmarked every 24 months" in page
    assert "Change how often the partnership is benchmarked" in page
    url = f"/partnerships/{world['p'].id}/benchmarks/interval"
    refused = coordinator.post(url, {"rebenchmark_months": "3"})
    assert refused.status_code == 200
    assert 'id="rebenchmark_months-error"' in refused.get_data(as_text=True)
    assert "Enter a number of months from 6 to 120" in text(refused)
    assert "Enter a number of months" in text(coordinator.post(url, {"rebenchmark_months": ""}))
    saved = coordinator.post(url, {"rebenchmark_months": "36"})
    assert saved.status_code == 302
    page = text(coordinator.get(saved.headers["Location"]))
    assert "How often the partnership is benchmarked has been saved." in page
    assert "The next benchmark is due on 31 January 2028: the partnership is benchmarked every 36 months" in page
    with app.app_context():
        assert db.session.get(Partnership, world["p"].id).rebenchmark_months == 36
    lead = as_user(world["lead"])
    assert lead.get(url).status_code == 403
    assert lead.post(url, {"rebenchmark_months": "6"}).status_code == 403
    assert "Change how often" not in text(lead.get(f"/partnerships/{world['p'].id}/benchmarks"))


def test_an_overdue_benchmark_says_it_was_due(app, world, as_user):
    with app.app_context():
        _benchmark(world["p"].id, date(2012, 7, 2))
    page = text(as_user(world["coordinator"]).get(f"/partnerships/{world['p'].id}/benchmarks"))
    assert "The next benchmark was due on 2 July 2014" in page


def test_coordinators_are_reminded_before_and_when_due_once_each_in_their_language(mail_app, smtp_server, world):
    with mail_app.app_context():
        _benchmark(world["p"].id, date(2025, 1, 31))
        send = rebenchmark.send_rebenchmark_reminders
        assert send(date(2026, 10, 30)) == 0
        assert send(date(2026, 10, 31)) == 2  # the two coordinators; not the agency lead
        assert send(date(2026, 10, 31)) == 0 and send(date(2026, 11, 20)) == 0  # never twice
        assert send(date(2027, 1, 31)) == 2
        assert send(date(2027, 2, 1)) == 0 and send(date(2028, 6, 1)) == 0
        deliver_outbox()
        with force_locale("cy"):
            welsh_due = long_date(date(2027, 1, 31))
        db.session.remove()
    assert sorted(m["To"] for m in smtp_server.messages) == ["priya@example.org", "priya@example.org",
                                                             "rhian@example.org", "rhian@example.org"]
    soon, due = smtp_server.to("priya@example.org")
    subject = "The next CCR benchmark of Milton Keynes Domestic Abuse Partnership is due"
    assert " ".join(soon["Subject"].split()) == f"{subject} on 31 January 2027"
    body = soon.get_body(("plain",)).get_content()
    assert "is due on 31 January 2027: the partnership is benchmarked every 24 months, and its latest benchmark " \
           "began in January 2025" in " ".join(body.split())
    assert "https://tracker.example.gov.uk/partnerships/" in body
    assert " ".join(due["Subject"].split()) == subject
    assert "fell due on 31 January 2027" in " ".join(due.get_body(("plain",)).get_content().split())
    welsh = smtp_server.to("rhian@example.org")[0].get_body(("plain",)).get_content()
    assert welsh.startswith("Helo Rhian Pritchard,") and welsh_due != "31 January 2027"


def test_a_benchmark_first_seen_overdue_gets_only_the_due_reminder(app, world):
    with app.app_context():
        _benchmark(world["p"].id, date(2012, 7, 2))
        assert rebenchmark.send_rebenchmark_reminders(date(2026, 12, 1)) == 2
        assert rebenchmark.send_rebenchmark_reminders(date(2026, 12, 2)) == 0
    assert sorted(_sent(app)) == [
        ("priya@example.org", "The next CCR benchmark of Milton Keynes Domestic Abuse Partnership is due"),
        ("rhian@example.org", "Mae meincnod YCC nesaf Milton Keynes Domestic Abuse Partnership yn ddyledus")]


def test_a_new_benchmark_or_interval_makes_a_new_due_date_and_news_again(app, world):
    with app.app_context():
        _benchmark(world["p"].id, date(2012, 7, 2))
        assert rebenchmark.send_rebenchmark_reminders(date(2026, 12, 1)) == 2
        _benchmark(world["p"].id, date(2025, 3, 3))  # due 3 March 2027, warned from 3 December 2026
        assert rebenchmark.send_rebenchmark_reminders(date(2026, 12, 2)) == 0
        assert rebenchmark.send_rebenchmark_reminders(date(2026, 12, 3)) == 2
        rebenchmark.save_interval(db.session.get(Partnership, world["p"].id), 22)  # due 3 January 2027
        assert rebenchmark.send_rebenchmark_reminders(date(2026, 12, 4)) == 2


def test_the_daily_run_sends_the_reminders(mail_app, smtp_server, world):
    from tracker.scheduler import daily_run

    with mail_app.app_context():
        _benchmark(world["p"].id, date(2012, 7, 2))
        daily_run(date(2026, 12, 1))
        assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "benchmarks.rebenchmark")) \
            == 2
        db.session.remove()
    assert sorted(m["To"] for m in smtp_server.messages
                  if "CCR benchmark" in m["Subject"] or "meincnod YCC" in m["Subject"]) == [
        "priya@example.org", "rhian@example.org"]
