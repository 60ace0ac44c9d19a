"""Open data and the API: published recommendations to bodies for anyone, from the partnerships that take part,
in one versioned schema; the same records for other systems with a key, as far as the key's holder may read. Nothing
of an unpublished review reaches the public; a pseudonym only where the published report uses it."""
import csv
import io
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import Browser, text
from tracker.actions.state import london_today
from tracker.bodies.models import BodyRecommendation, ResponseStep
from tracker.enums import ResponseAssessment, ResponseStance
from tracker.extensions import db
from tracker.register import records

TODAY = london_today()
FIELD_NAMES = [name for name, _type, _description in records.FIELDS]


@pytest.fixture
def country(app, make):
    taking_part, not_taking_part = make.partnership(name="Northshire"), make.partnership(name="Southshire")
    coordinator = make.member(taking_part, "coordinator")
    published = make.review(taking_part, reference="DHR N1", pseudonyms="Adult A", status="published",
                            published_on=TODAY - timedelta(days=300), publication_url="https://example.org/n1")
    named = make.review(taking_part, reference="DHR N2", pseudonyms="Kim", status="published",
                        published_on=TODAY - timedelta(days=200), pseudonym_in_report=True)
    secret = make.review(taking_part, reference="DHR N3", pseudonyms="Adult C")
    elsewhere = make.review(not_taking_part, reference="DHR S1", status="published", published_on=TODAY)
    sent = TODAY - timedelta(days=90)
    make.recommendation(published, number="1", scope="national", external_body="Home Office",
                        text="=HYPERLINK(\"https://evil.example\") Revise the statutory guidance.",
                        welsh_text="Adolygu'r canllawiau statudol.", sent_on=sent,
                        response_due_on=sent + timedelta(days=56),
                        response_received_on=sent + timedelta(days=20), stance=ResponseStance.ACCEPTED,
                        response_text="We will revise it.", assessment=ResponseAssessment.OPEN_ACCEPTABLE,
                        assessed_on=sent + timedelta(days=30), assessment_reason="Funded")
    make.recommendation(named, number="2", scope="national", external_body="Home Office", text="Fund advocates.")
    make.recommendation(secret, number="3", scope="national", external_body="Home Office",
                        text="Adult C's secret recommendation", sent_on=sent, shared_text="Shared words only")
    make.recommendation(elsewhere, number="4", scope="national", external_body="Home Office",
                        text="Southshire's recommendation")
    with app.app_context():
        items = {i.recommendation.number: i.id for i in db.session.scalars(sa.select(BodyRecommendation))}
        db.session.add(ResponseStep(item_id=items["1"], text="Draft the guidance", due_on=TODAY))
        db.session.commit()
    return dict(taking_part=taking_part, coordinator=coordinator, items=items)


def _opt_in(as_user, country):
    partnership_id = country["taking_part"].id
    coordinator = as_user(country["coordinator"])
    page = text(coordinator.get(f"/partnerships/{partnership_id}/open-data"))
    assert "2 recommendations to bodies are in published reviews now." in page
    assert coordinator.post(f"/partnerships/{partnership_id}/open-data", {"open_data": "yes"}).status_code == 302


def test_nothing_is_public_until_the_partnership_takes_part(app, country, as_user):
    public = Browser(app.test_client())
    assert "No partnership has published a recommendation to a body here yet." in text(public.get("/open-data"))
    assert public.get(f"/open-data/recommendations/{country['items']['1']}").status_code == 404
    _opt_in(as_user, country)
    page = text(public.get("/open-data"))
    assert "Home Office 2 0" in page  # two public records of the taking-part partnership's published reviews
    one = text(public.get(f"/open-data/recommendations/{country['items']['1']}"))
    assert "Revise the statutory guidance." in one and "We will revise it." in one and "Draft the guidance" in one
    assert "Open: acceptable response" in one and "Adult A" not in one  # the report does not use the pseudonym
    assert "DHR N2 (Kim)" in text(public.get(f"/open-data/recommendations/{country['items']['2']}"))
    for unpublished in (country["items"]["3"], country["items"]["4"]):
        assert public.get(f"/open-data/recommendations/{unpublished}").status_code == 404


def test_the_downloads_hold_every_field_of_the_schema_and_nothing_unpublished(app, country, as_user):
    _opt_in(as_user, country)
    public = Browser(app.test_client())
    data = json.loads(public.get("/open-data/recommendations.json").get_data(as_text=True))
    assert data["version"] == records.SCHEMA_VERSION and data["schema"].endswith("/open-data/schema")
    by_id = {r["id"]: r for r in data["recommendations"]}
    assert sorted(by_id) == sorted([country["items"]["1"], country["items"]["2"]])
    first = by_id[country["items"]["1"]]
    assert list(first) == FIELD_NAMES
    assert (first["response"], first["assessment"], first["state"], first["pseudonym"]) == (
        "accepted", "open_acceptable", "open_acceptable", None)
    assert first["planned_actions"] == [dict(text="Draft the guidance", due_on=TODAY.isoformat(), done_on=None)]
    assert by_id[country["items"]["2"]]["pseudonym"] == "Kim"
    raw = public.get("/open-data/recommendations.csv").get_data(as_text=True)
    assert "Adult C" not in raw + json.dumps(data) and "Shared words only" not in raw and "Southshire" not in raw
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert list(rows[0]) == FIELD_NAMES
    row = next(r for r in rows if r["id"] == str(first["id"]))
    # whatever the JSON says, the CSV says: a formula is shown as text, not run
    assert row["recommendation_text"] == "'" + first["recommendation_text"]
    for name in FIELD_NAMES:
        if name not in ("recommendation_text", "planned_actions", "progress", "themes"):
            assert row[name] == ("" if first[name] is None else str(first[name])), name
    assert row["planned_actions"] == f"{TODAY.isoformat()}: Draft the guidance"
    schema = text(public.get("/open-data/schema"))
    assert all(name in schema for name in FIELD_NAMES) and f"version {records.SCHEMA_VERSION}" in schema


def _key(as_user, person):
    page = as_user(person).post("/account/api-keys", {"name": "Case system"}).get_data(as_text=True)
    return re.search(r'<code class="app-key">([^<]+)</code>', page).group(1)


def _api(app, url, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return app.test_client().get(url, headers=headers)


def test_a_body_s_system_reads_what_its_contact_may_read_and_nothing_else(app, make, country, as_user):
    assert _api(app, "/api/v1/recommendations").status_code == 401
    assert _api(app, "/api/v1/recommendations", "not-a-key").status_code == 401
    key = _key(as_user, make.body_contact("Home Office"))
    listed = _api(app, "/api/v1/recommendations", key).get_json()
    # only what was sent: the unpublished one as shared, never its own words
    assert sorted(r["id"] for r in listed["recommendations"]) == sorted([country["items"]["1"],
                                                                         country["items"]["3"]])
    secret = next(r for r in listed["recommendations"] if r["id"] == country["items"]["3"])
    assert secret["recommendation_text"] == "Shared words only" and secret["pseudonym"] is None
    assert "Adult C" not in json.dumps(listed)
    assert _api(app, f"/api/v1/recommendations/{country['items']['2']}", key).status_code == 404  # not sent
    other = _key(as_user, make.body_contact("Ministry of Justice"))
    assert _api(app, "/api/v1/recommendations", other).get_json()["total"] == 0
    assert _api(app, f"/api/v1/recommendations/{country['items']['1']}", other).status_code == 404
    assert [b["name"] for b in _api(app, "/api/v1/bodies", other).get_json()["bodies"]] == ["Ministry of Justice"]
    assert _api(app, "/api/v1/recommendations?updated_since=yesterday", key).status_code == 400
    later = (TODAY + timedelta(days=2)).isoformat()
    assert _api(app, f"/api/v1/recommendations?updated_since={later}", key).get_json()["total"] == 0


def test_a_national_key_reads_everything_and_a_revoked_key_nothing(app, make, country, as_user):
    observer = make.user(national_role="observer")
    key = _key(as_user, observer)
    assert _api(app, "/api/v1/recommendations", key).get_json()["total"] == 4
    browser = as_user(observer)
    page = browser.get("/account/api-keys").get_data(as_text=True)
    assert "Case system" in page and key not in page  # shown once only
    key_id = re.search(r"/account/api-keys/(\d+)/revoke", page).group(1)
    browser.post(f"/account/api-keys/{key_id}/revoke", {})
    assert _api(app, "/api/v1/recommendations", key).status_code == 401
    coordinator = as_user(country["coordinator"])
    assert coordinator.get("/account/api-keys").status_code == 403


def test_the_openapi_description_matches_the_schema(app):
    document = _api(app, "/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/v1/recommendations", "/api/v1/recommendations/{id}", "/api/v1/bodies",
                                      "/api/v1/openapi.json"}
    assert sorted(document["components"]["schemas"]["Recommendation"]["properties"]) == sorted(FIELD_NAMES)


def test_a_new_password_or_a_reset_second_factor_stops_the_person_s_keys(app, make, as_user):
    from tracker.accounts.models import User
    from tracker.accounts.services import reset_two_factor, set_password

    changes, loses = make.user(national_role="observer"), make.user(national_role="observer")
    admin = make.user(is_administrator=True)
    keys = {person.id: _key(as_user, person) for person in (changes, loses)}
    with app.app_context():
        set_password(db.session.get(User, changes.id), "a brand new long passphrase")
        db.session.commit()
        reset_two_factor(db.session.get(User, loses.id), db.session.get(User, admin.id))
    for key in keys.values():
        assert _api(app, "/api/v1/bodies", key).status_code == 401


def test_open_data_pages_carry_no_protective_marking(app, country, as_user):
    _opt_in(as_user, country)
    public = Browser(app.test_client())
    for url in ("/open-data", "/open-data/schema", f"/open-data/recommendations/{country['items']['1']}"):
        assert "information-sharing agreement" not in text(public.get(url)), url
    assert "information-sharing agreement" in text(as_user(country["coordinator"]).get("/"))


def test_a_body_s_open_data_page_counts_and_pages_only_what_is_public(app, make, country, as_user):
    _opt_in(as_user, country)
    review = make.review(country["taking_part"], reference="DHR N4", status="published", published_on=TODAY)
    for number in range(5, 30):
        make.recommendation(review, number=str(number), scope="national", external_body="Home Office",
                            text=f"Public recommendation {number}")
    with app.app_context():
        body_id = db.session.get(BodyRecommendation, country["items"]["1"]).body_id
    public = Browser(app.test_client())
    first = text(public.get(f"/open-data/bodies/{body_id}"))  # 27 public; the unpublished and Southshire's are not
    assert "Showing 1 to 25 of 27" in first and "Revise the statutory guidance." in first
    second = text(public.get(f"/open-data/bodies/{body_id}?page=2"))
    assert "Showing 26 to 27 of 27" in second and "Public recommendation 29" in second
    assert "secret" not in first + second and "Southshire" not in first + second
    assert public.get(f"/open-data/bodies/{body_id}?page=3").status_code == 404
