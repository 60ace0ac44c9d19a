"""Actions that answer several recommendations and key issues, delivered by several agencies: links counted
everywhere a recommendation or key issue says what answers it, never revealing a confidential review; supporting
agencies' leads posting updates; one action per agency; actions counted on their CCR component; and the two bugs
(a 2013 component kept on the form, an unowned action never green)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker import ROOT
from tracker.actions import services, state
from tracker.actions.models import Action
from tracker.benchmarks import services as benchmarks
from tracker.benchmarks.models import Finding
from tracker.enums import DeliveryState, Rag
from tracker.extensions import db
from tracker.permissions import can
from tracker.reports.services import progress_report, scope_for
from tracker.reviews.models import Recommendation
from tracker.reviews.services import recommendation_state

MK = (ROOT.parent / "shared" / "data" / "milton-keynes-2012-benchmark.json").read_bytes()


@pytest.fixture
def world(app, make, as_user):
    """A partnership with a published review, a confidential one whose panel is only Sam, and the Milton Keynes
    benchmark (2013 framework)."""
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    housing = make.agency(p, name="MK Housing", sector="housing")
    people = dict(coordinator=make.member(p, "coordinator", name="Priya Shah"),
                  police_lead=make.member(p, "agency_lead", agency=police, name="Tom Reid"),
                  housing_lead=make.member(p, "agency_lead", agency=housing, name="Ann Lee"),
                  sam=make.member(p, "panel_member", name="Sam Panel"))
    published = make.review(p, reference="DHR 2023/01", status="published")
    secret = make.review(p, reference="DHR 2026/09", pseudonyms="Adult Q", panel=[(people["sam"], True)])
    open_rec = make.recommendation(published, number="1", text="Agencies should ask about abuse routinely.",
                                   agencies=[police, housing])
    secret_rec = make.recommendation(secret, number="7", text="Secret lesson about Adult Q's GP.",
                                     agencies=[police])
    with app.app_context():
        benchmarks.load_frameworks()
        benchmark = benchmarks.import_json(db.session.get(type(p), p.id), MK)
        db.session.commit()
        benchmark_id = benchmark.id
    return dict(p=p, police=police, housing=housing, people=people, published=published, secret=secret,
                open_rec=open_rec, secret_rec=secret_rec, benchmark_id=benchmark_id,
                as_=lambda who: as_user(people[who]))


def _finding(text_start):
    return db.session.scalar(sa.select(Finding).where(Finding.text.startswith(text_start)))


def _strategy_findings():
    return db.session.scalars(sa.select(Finding).join(Finding.component).where(
        sa.text("component.key = 'strategy'"))).all()


def _form(world, **overrides):
    fields = {"title": "Publish a routine enquiry protocol", "outcome": "Victims are asked safely",
              "measure": "Protocol signed", "lead_agency_id": str(world["police"].id),
              "owner_id": str(world["people"]["police_lead"].id), "deadline": "31/3/2030",
              "within_existing_resources": "y", "review_arrangement": "Quarterly", "component": "", "theme": "",
              "strategic_objective": "", "survivor_involvement": "", "estimated_cost": "", "funding_source": "",
              "staff_time": ""}
    fields.update(overrides)
    return fields


def test_an_action_answers_a_recommendation_and_a_key_issue_and_counts_for_both(app, world):
    coordinator = world["as_"]("coordinator")
    with app.app_context():
        finding = _strategy_findings()[0]
        finding_id, finding_text = finding.id, finding.text
    page = text(coordinator.get(f"/partnerships/{world['p'].id}/actions/new"))
    assert "What else this action answers" in page and "DHR 2023/01, recommendation 1" in page
    assert finding_text[:30] in page
    response = coordinator.post(f"/partnerships/{world['p'].id}/actions/new", _form(
        world, also_recommendation_ids=[str(world["open_rec"].id)], also_finding_ids=[str(finding_id)]))
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalar(sa.select(Action).where(Action.title == "Publish a routine enquiry protocol"))
        recommendation = db.session.get(Recommendation, world["open_rec"].id)
        finding = db.session.get(Finding, finding_id)
        assert action.source.value == "strategy" and action.recommendation_id is None
        assert recommendation_state(recommendation) is DeliveryState.IN_PROGRESS
        assert benchmarks.finding_state(finding) is DeliveryState.IN_PROGRESS
        action_id = action.id
    # the review's action plan and the benchmark list it under what it answers
    assert "Publish a routine enquiry protocol" in text(coordinator.get(f"/reviews/{world['published'].id}"))
    benchmark_page = text(coordinator.get(f"/benchmarks/{world['benchmark_id']}"))
    assert benchmark_page.count("Publish a routine enquiry protocol") >= 1
    shown = text(coordinator.get(f"/actions/{action_id}"))
    assert "Also answers" in shown and "DHR 2023/01, recommendation 1" in shown and finding_text[:30] in shown
    # the progress report's review plans count it for the recommendation
    with app.app_context():
        person = db.session.get(type(world["people"]["coordinator"]), world["people"]["coordinator"].id)
        report = progress_report(scope_for(person, db.session.get(type(world["p"]), world["p"].id)),
                                 state.london_today())
        plan = next(r for r in report.reviews if r["reference"] == "DHR 2023/01")
        assert (plan["without_action"], plan["actions"]) == (0, 1)


def test_a_link_to_a_confidential_recommendation_is_never_shown_to_those_who_cannot_open_its_review(app, world):
    """The coordinator links a strategy action to the confidential review's recommendation; the agency lead who
    leads it sees the action but not the link, anywhere."""
    coordinator, lead = world["as_"]("coordinator"), world["as_"]("police_lead")
    coordinator.post(f"/partnerships/{world['p'].id}/actions/new", _form(
        world, also_recommendation_ids=[str(world["secret_rec"].id), str(world["open_rec"].id)]))
    with app.app_context():
        action_id = db.session.scalar(sa.select(Action.id).where(Action.title == "Publish a routine enquiry protocol"))
    assert "DHR 2026/09" in text(coordinator.get(f"/actions/{action_id}"))
    page = text(lead.get(f"/actions/{action_id}"))
    assert "Publish a routine enquiry protocol" in page and "DHR 2023/01, recommendation 1" in page
    assert "DHR 2026/09" not in page and "Secret lesson" not in page and "Adult Q" not in page
    for url in (f"/partnerships/{world['p'].id}/actions", f"/partnerships/{world['p'].id}/actions.csv",
                "/search?q=Secret", "/search?q=routine", f"/partnerships/{world['p'].id}/reports/progress",
                f"/partnerships/{world['p'].id}/reports/progress.csv"):
        body = lead.get(url).get_data(as_text=True)
        assert "Secret lesson" not in body and "DHR 2026/09" not in body and "Adult Q" not in body, url
    assert lead.get(f"/reviews/{world['secret'].id}").status_code == 403


def test_an_edit_by_someone_who_cannot_see_a_link_keeps_it(app, world):
    """Sam, on the confidential panel, links the confidential review's action to the published recommendation;
    a link the editor cannot see is kept as it was."""
    with app.app_context():
        partnership = db.session.get(type(world["p"]), world["p"].id)
        secret = db.session.get(Recommendation, world["secret_rec"].id)
        coordinator = db.session.get(type(world["people"]["coordinator"]), world["people"]["coordinator"].id)
        action = services.save_action(partnership, None, dict(
            title="Audit GP records", outcome="", measure="", lead_agency_id=world["police"].id, owner_id=None,
            supporting_agency_ids=[], estimated_cost=None, funding_source="", staff_time="",
            within_existing_resources=True, review_arrangement="", component="", theme="", strategic_objective="",
            survivor_involvement="", also_recommendation_ids=[world["open_rec"].id]), origin=secret,
            editor=coordinator)
        assert [r.number for r in action.also_recommendations] == ["1"]
        # a strategy action linked by the coordinator to the secret recommendation, edited by the agency lead's
        # view of the partnership (who cannot open the secret review): the secret link stays
        linked = services.save_action(partnership, None, dict(
            title="Train GPs", outcome="", measure="", lead_agency_id=None, owner_id=None, supporting_agency_ids=[],
            estimated_cost=None, funding_source="", staff_time="", within_existing_resources=True,
            review_arrangement="", component="", theme="", strategic_objective="", survivor_involvement="",
            also_recommendation_ids=[world["secret_rec"].id]), editor=coordinator)
        lead = db.session.get(type(coordinator), world["people"]["police_lead"].id)
        recommendations, _findings = services.answerable(lead, partnership)
        assert world["secret_rec"].id not in {i for i, _label in recommendations}
        services.save_action(partnership, linked, dict(
            title="Train GPs", outcome="", measure="", lead_agency_id=None, owner_id=None, supporting_agency_ids=[],
            estimated_cost=None, funding_source="", staff_time="", within_existing_resources=True,
            review_arrangement="", component="", theme="", strategic_objective="", survivor_involvement="",
            also_recommendation_ids=[world["open_rec"].id]), linked.version, editor=lead)
        assert sorted(r.number for r in linked.also_recommendations) == ["1", "7"]
        # and nobody links to a recommendation they cannot open
        with pytest.raises(services.ValidationFailed):
            services.save_action(partnership, linked, dict(
                title="Train GPs", outcome="", measure="", lead_agency_id=None, owner_id=None,
                supporting_agency_ids=[], estimated_cost=None, funding_source="", staff_time="",
                within_existing_resources=True, review_arrangement="", component="", theme="",
                strategic_objective="", survivor_involvement="", also_recommendation_ids=[world["secret_rec"].id]),
                linked.version, editor=lead)


def test_a_supporting_agencys_lead_posts_updates_but_changes_nothing_else(app, world, make):
    action = make.action(world["p"], title="Joint housing and police visits", lead_agency=world["police"],
                         owner=world["people"]["police_lead"], deadline=state.london_today() + timedelta(days=60))
    housing_lead = world["as_"]("housing_lead")
    assert housing_lead.get(f"/actions/{action.id}/update").status_code == 403
    with app.app_context():
        record = db.session.get(Action, action.id)
        record.supporting_agencies = [db.session.get(type(world["housing"]), world["housing"].id)]
        db.session.commit()
        lead = db.session.get(type(world["people"]["housing_lead"]), world["people"]["housing_lead"].id)
        assert can(lead, "update", record)
        assert not can(lead, "edit", record) and not can(lead, "move_deadline", record)
        assert not can(lead, "sign_off", record)
        version = str(record.version)
    response = housing_lead.post(f"/actions/{action.id}/update", {
        "note": "Housing officers joined three visits", "status": "in_progress", "version": version})
    assert response.status_code == 302, text(response)[:400]
    assert "Housing officers joined three visits" in text(housing_lead.get(f"/actions/{action.id}"))
    assert housing_lead.get(f"/actions/{action.id}/edit").status_code == 403
    assert housing_lead.get(f"/actions/{action.id}/deadline").status_code == 403


def test_an_all_agencies_recommendation_becomes_one_action_per_agency_rolled_up_on_it(app, world):
    coordinator = world["as_"]("coordinator")
    url = f"/recommendations/{world['open_rec'].id}/actions/per-agency"
    page = text(coordinator.get(url))
    assert "Thames Valley Police" in page and "MK Housing" in page and "None yet" in page
    refused = coordinator.post(url, {"agency_ids": [str(world["police"].id)], "title": "", "deadline": ""})
    assert refused.status_code == 200 and "Enter the action: what will be done" in text(refused)
    response = coordinator.post(url, {"agency_ids": [str(world["police"].id), str(world["housing"].id)],
                                      "title": "Ask every client about abuse at assessment",
                                      "outcome": "Disclosures are heard early", "measure": "Audit of 50 records",
                                      "deadline": "31/3/2030"})
    assert response.status_code == 302
    with app.app_context():
        actions = db.session.scalars(sa.select(Action).where(
            Action.title == "Ask every client about abuse at assessment").order_by(Action.id)).all()
        assert sorted(a.lead_agency.name for a in actions) == ["MK Housing", "Thames Valley Police"]
        assert all(a.owner_id is None and a.recommendation_id == world["open_rec"].id and a.deadline.year == 2030
                   for a in actions)
    rollup = text(coordinator.get(f"/recommendations/{world['open_rec'].id}/edit"))
    assert "Delivery by each agency it names" in rollup
    assert rollup.count("Ask every client about abuse at assessment") == 2 and "(not started)" in rollup
    # only agencies the recommendation names
    other = coordinator.post(url, {"agency_ids": ["999999"], "title": "X", "deadline": ""})
    assert "Choose agencies the recommendation names" in text(other)
    assert world["as_"]("police_lead").get(url).status_code == 403


def test_a_strategy_action_counts_on_its_component_of_the_benchmark(app, world, make):
    coordinator = world["as_"]("coordinator")
    before = text(coordinator.get(f"/benchmarks/{world['benchmark_id']}"))
    assert "0 actions on this component" in before
    make.action(world["p"], title="Publish a domestic abuse strategy", lead_agency=world["police"],
                owner=world["people"]["police_lead"], component="strategy")
    page = text(coordinator.get(f"/benchmarks/{world['benchmark_id']}"))
    strategy = page[page.index("3. Strategy"):page.index("4. Representation")]
    assert "1 action on this component" in strategy and "Publish a domestic abuse strategy" in strategy
    with app.app_context():
        rows, _previous, _overall = benchmarks.picture(benchmarks.load_benchmark(world["benchmark_id"]))
        row = next(r for r in rows if r.component.key == "strategy")
        assert [a.title for a in row.component_actions] == ["Publish a domestic abuse strategy"]
        assert not row.has_no_action
        bare = sum(r.has_no_action for r in rows)
    assert f"{bare} components with no action at all" in page


def test_an_action_on_a_2013_survivors_voices_key_issue_keeps_its_component(app, world):
    coordinator = world["as_"]("coordinator")
    with app.app_context():
        finding = db.session.scalars(sa.select(Finding).join(Finding.component).where(
            sa.text("component.key = 'survivors_voices'"))).first()
        finding_id = finding.id
    url = f"/findings/{finding_id}/actions/new"
    form = text(coordinator.get(url))
    assert "Survivors' voices" in form
    response = coordinator.post(url, _form(world, title="Set up a survivors' forum", component="survivors_voices"))
    assert response.status_code == 302, text(response)[:600]
    with app.app_context():
        action = db.session.scalar(sa.select(Action).where(Action.title == "Set up a survivors' forum"))
        assert action.component == "survivors_voices" and action.finding_id == finding_id
    assert "Not a valid choice" not in text(coordinator.get(f"/actions/{action.id}/edit"))
    assert "Survivors' voices" in text(coordinator.get(f"/actions/{action.id}"))


def test_an_action_with_no_owner_is_never_green(app, make, world):
    far = state.london_today() + timedelta(days=200)
    unowned = make.action(world["p"], title="Raise awareness", deadline=far)
    completed = make.action(world["p"], title="Done by nobody", deadline=far, status="completed")
    owned = make.action(world["p"], title="Owned", lead_agency=world["police"],
                        owner=world["people"]["police_lead"], deadline=far, within_existing_resources=True,
                        outcome="x", measure="y")
    with app.app_context():
        today = state.london_today()
        derived = state.state_of(unowned, today)
        assert db.session.get(Action, unowned.id).smart_gaps == "SMAR"  # four letters fail
        assert (derived.rag, derived.reason, derived.reason_label) == (Rag.AMBER, "no_owner", "No named owner")
        assert state.state_of(completed, today).rag is Rag.AMBER
        assert state.state_of(owned, today).rag is Rag.GREEN
        overdue = make.action(world["p"], title="Late and unowned", deadline=today - timedelta(days=3))
        assert state.state_of(overdue, today).rag is Rag.RED
    page = text(world["as_"]("coordinator").get(f"/actions/{unowned.id}"))
    assert "No named owner" in page


def test_changing_only_what_it_answers_makes_an_older_form_stale(app, world):
    with app.app_context():
        partnership = db.session.get(type(world["p"]), world["p"].id)
        coordinator = db.session.get(type(world["people"]["coordinator"]), world["people"]["coordinator"].id)
        plan = dict(title="Train GPs", outcome="", measure="", lead_agency_id=None, owner_id=None,
                    supporting_agency_ids=[], estimated_cost=None, funding_source="", staff_time="",
                    within_existing_resources=True, review_arrangement="", component="", theme="",
                    strategic_objective="", survivor_involvement="", also_recommendation_ids=[])
        action = services.save_action(partnership, None, plan, editor=coordinator)
        opened = action.version
        services.save_action(partnership, action, {**plan, "also_recommendation_ids": [world["open_rec"].id]},
                             opened, editor=coordinator)
        assert action.version == opened + 1
        with pytest.raises(services.StaleAction):
            services.save_action(partnership, action, plan, opened, editor=coordinator)
