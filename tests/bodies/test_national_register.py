"""The national register: every recommendation to a body, across partnerships, for national observers; counted by
body, state, year and theme, with overdue answers, time to answer and likely duplicates; and the same rule of what
may be read before publication as the body's own pages."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.actions.state import london_today
from tracker.bodies.models import BodyRecommendation, ExternalBody
from tracker.enums import ResponseAssessment, ResponseStance
from tracker.extensions import db
from tracker.register import similar
from tracker.reviews.services import themes_of

TODAY = london_today()
GUIDANCE = "The Home Office should revise the statutory guidance on domestic homicide reviews to require panels"
TRAINING = "The Department of Health should fund training for GPs in routine enquiry about domestic abuse."


@pytest.fixture
def country(app, make):
    """Two partnerships' reviews with recommendations to two bodies, in every state the register counts."""
    north, south = make.partnership(name="Northshire"), make.partnership(name="Southshire")
    published = make.review(north, reference="DHR N1", pseudonyms="Adult A", status="published",
                            published_on=TODAY - timedelta(days=400))
    secret = make.review(south, reference="DHR S1", pseudonyms="Adult B")
    sent, due = TODAY - timedelta(days=100), TODAY - timedelta(days=44)
    rows = [
        # published, answered in 30 days and closed as implemented, themed "Training"
        make.recommendation(published, number="1", scope="national", external_body="Home Office",
                            text=GUIDANCE + " to hear from families.", sent_on=sent,
                            response_due_on=due, response_received_on=sent + timedelta(days=30),
                            stance=ResponseStance.ACCEPTED, response_text="Done",
                            assessment=ResponseAssessment.CLOSED_IMPLEMENTED),
        # unpublished and sent: only what was shared may be read; overdue
        make.recommendation(secret, number="2", scope="national", external_body="Home Office",
                            text="Adult B's family were not heard: " + GUIDANCE + " to hear from families.",
                            sent_on=sent, response_due_on=due, shared_text=GUIDANCE + " to hear from the family."),
        # unpublished, never sent: counted, but no text at all
        make.recommendation(secret, number="3", scope="national", external_body="Department of Health",
                            text="Adult B's GP never asked: " + TRAINING),
        # published, sent this year, awaiting
        make.recommendation(published, number="4", scope="national", external_body="Department of Health",
                            text=TRAINING, sent_on=TODAY - timedelta(days=3),
                            response_due_on=TODAY + timedelta(days=53)),
    ]
    with app.app_context():
        theme = next(t for t in themes_of(north) if t.name == "Training")
        from tracker.reviews.models import Recommendation

        db.session.get(Recommendation, rows[0].id).themes = [db.session.merge(theme)]
        db.session.commit()
        items = {r.recommendation.number: r.id for r in db.session.scalars(sa.select(BodyRecommendation))}
        bodies = {b.name: b.id for b in db.session.scalars(sa.select(ExternalBody))}
    return dict(items=items, bodies=bodies, observer=make.user(national_role="observer"))


def test_only_national_roles_and_administrators_read_it(app, make, as_user, country):
    coordinator = make.member(make.partnership(), "coordinator")
    assert as_user(coordinator).get("/register").status_code == 403
    assert as_user(make.body_contact("Home Office")).get("/register").status_code == 403
    assert as_user(country["observer"]).get("/register").status_code == 200
    assert as_user(make.user(is_administrator=True)).get("/register").status_code == 200


def test_the_overview_counts_by_state_body_year_and_theme(app, as_user, country):
    page = text(as_user(country["observer"]).get("/register"))
    assert "4 recommendations to bodies 3 sent 1 answered 1 answers overdue 30 days to answer (median)" in page
    assert "Not yet sent 1 Open: response awaited 1 Answer overdue 1 Closed: implemented 1" in page
    # body, all, sent, awaiting, overdue, answered, implemented, median days
    assert "Home Office 2 2 1 1 1 1 30" in page
    assert "Department of Health 2 1 1 0 0 0 None answered" in page
    assert f"{TODAY.year} " in page and "Training 1 0" in page


def test_the_list_filters_and_shows_only_what_may_be_read(app, as_user, country):
    observer = as_user(country["observer"])
    page = text(observer.get("/register/recommendations"))
    # most overdue first; an unsent unpublished recommendation shows no text; a sent one only what was shared
    assert page.index("DHR S1 Recommendation 2") < page.index("DHR N1 Recommendation 1")
    assert "Adult B" not in page and "GP never asked" not in page
    assert "to hear from the family." in page and "Not yet shared" in page
    overdue = text(observer.get("/register/recommendations?state=overdue"))
    assert "Recommendation 2" in overdue and "Recommendation 1 " not in overdue and "Recommendation 4" not in overdue
    by_body = text(observer.get(f"/register/recommendations?body={country['bodies']['Department of Health']}"))
    assert "Recommendation 3" in by_body and "Recommendation 4" in by_body and "Recommendation 2" not in by_body
    themed = text(observer.get("/register/recommendations?theme=training"))
    assert "Recommendation 1" in themed and "Recommendation 2" not in themed and "Recommendation 3" not in themed
    later = observer.get(f"/register/recommendations?year={TODAY.year + 5}")
    assert "No recommendation matches." in text(later)
    # the years offered are those sent in, and the one chosen stays chosen
    html = later.get_data(as_text=True)
    assert f'<option value="{TODAY.year + 5}" selected>' in html and f'<option value="{TODAY.year}">' in html
    shown = text(observer.get(f"/register/recommendations/{country['items']['3']}"))
    assert "Not yet shared" in shown and "GP never asked" not in shown and "Adult B" not in shown


def test_recommendations_to_one_body_that_say_nearly_the_same_are_flagged(app, as_user, country):
    observer = as_user(country["observer"])
    page = text(observer.get("/register/duplicates"))
    assert "Home Office: 2 recommendations" in page
    assert "Recommendation 1 of DHR N1" in page and "Recommendation 2 of DHR S1" in page
    detail = text(observer.get(f"/register/recommendations/{country['items']['1']}"))
    assert "Likely duplicates" in detail and "Recommendation 2 of DHR S1 (Southshire)" in detail


def test_similarity_finds_near_copies_and_not_different_asks():
    texts = {1: GUIDANCE + " to hear from families.", 2: GUIDANCE.upper() + " to hear from the families!",
             3: TRAINING, 4: "", 5: TRAINING.replace("GPs", "practice nurses")}
    assert similar.groups(texts) == [[1, 2], [3, 5]]
    assert similar.groups({1: "Fund advocates.", 2: "Fund refuges."}) == []


def test_one_recommendation_s_group_is_the_group_the_register_lists():
    """The page about one recommendation walks out from it; the list groups them all: the two must agree, chains
    included (each text like the next, the ends unlike), for every text."""
    import random

    chain = {1010: "alpha bravo charlie delta echo", 1011: "alpha bravo charlie delta foxtrot",
             1012: "alpha bravo charlie golf foxtrot", 1013: "alpha bravo hotel golf foxtrot"}
    assert similar.similarity(similar.words(chain[1010]), similar.words(chain[1013])) < similar.SIMILAR
    vocabulary = ("refuge advocate police health housing court training guidance family child risk probation "
                  "prison school college employer mental substance stalking coercion finance tenancy").split()
    chosen = random.Random(18)
    texts = {key: " ".join(chosen.sample(vocabulary, chosen.randint(3, 6))) for key in range(200)}
    texts.update(chain)
    texts.update({300: "", 301: "the and of", 302: "", 303: texts[7], 304: texts[7].upper(), 305: "unlike any"})
    texts[306] = texts[305]
    groups = similar.groups(texts)
    assert [1010, 1011, 1012, 1013] in groups and len(groups) > 3
    assert [305, 306] in groups and not any(300 in g or 302 in g for g in groups)  # alike copies; no words alike
    assert any({7, 303, 304} <= set(g) for g in groups)
    assert groups == _compared_pair_by_pair(texts)
    for key in texts:
        assert similar.group_of(key, texts) == next((g for g in groups if key in g), [])


def _compared_pair_by_pair(texts):
    """similar.groups' answer the slow way: every pair compared, groups joined by any likely duplicate."""
    sets = {key: similar.words(text) for key, text in texts.items()}
    group = {key: {key} for key in sets}
    for first in sets:
        for second in sets:
            if first < second and sets[first] and similar.similarity(sets[first], sets[second]) >= similar.SIMILAR:
                joined = group[first] | group[second]
                for key in joined:
                    group[key] = joined
    return sorted((sorted(g) for g in {frozenset(g) for g in group.values() if len(g) > 1}), key=lambda g: g[0])


def test_the_list_s_pages_keep_its_filters(app, as_user, country):
    from tracker.register.services import Filters, filters_from

    chosen = Filters(body_id=country["bodies"]["Home Office"], state="overdue", year=2026, theme="Training")
    assert filters_from(chosen.args()) == chosen
