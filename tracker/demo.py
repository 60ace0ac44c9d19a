"""The demo partnerships: Milton Keynes, whose 2012 benchmark is in shared/data, with one person per role; and a
Welsh one, Cwm Taf Morgannwg, whose people read the tracker in Welsh, with a Single Unified Safeguarding Review."""
from datetime import date

import sqlalchemy as sa

from tracker.accounts.models import User
from tracker.accounts.services import hash_password
from tracker.enums import BodyKind, Nation, NationalRole, Role, SafeguardingCriterion, Sector
from tracker.extensions import db
from tracker.partnerships.models import Agency, Membership, Partnership

PARTNERSHIP = ("Milton Keynes Domestic Abuse Partnership", "Milton Keynes")

AGENCIES = [
    ("Thames Valley Police", Sector.POLICE),
    ("Milton Keynes University Hospital NHS Foundation Trust", Sector.HEALTH),
    ("Central and North West London NHS Foundation Trust", Sector.HEALTH),
    ("Milton Keynes City Council Children's Social Care", Sector.CHILDRENS_SERVICES),
    ("Milton Keynes City Council Adult Social Care", Sector.ADULT_SOCIAL_CARE),
    ("Milton Keynes City Council Housing", Sector.HOUSING),
    ("Probation Service, Thames Valley", Sector.PROBATION),
    ("Milton Keynes Schools Partnership", Sector.EDUCATION),
    ("MK Act", Sector.SPECIALIST_DA_SERVICE),
    ("Safer MK Community Safety Partnership", Sector.LOCAL_AUTHORITY),
]

#: (email, name, administrator?, role, agency name or None, chairs the strategic group?)
MILTON_KEYNES_PEOPLE = [
    ("admin@demo.example", "Sam Okafor", True, None, None, False),
    ("coordinator@demo.example", "Priya Shah", False, Role.COORDINATOR, None, False),
    ("agency.lead@demo.example", "Tom Reid", False, Role.AGENCY_LEAD, "Thames Valley Police", False),
    ("strategic.chair@demo.example", "Helen Marsh", False, Role.STRATEGIC_MEMBER,
     "Safer MK Community Safety Partnership", True),
    ("strategic.member@demo.example", "David Chen", False, Role.STRATEGIC_MEMBER,
     "Milton Keynes University Hospital NHS Foundation Trust", False),
    ("viewer@demo.example", "Ruth Evans", False, Role.VIEWER, None, False),
    ("panel.chair@demo.example", "Margaret Ode", False, Role.PANEL_MEMBER, None, False),
]

#: in Wales: the partnership of a regional safeguarding board's area, its agencies (the specialist service is
#: invented), and its people, who read the tracker in Welsh (all names invented)
WELSH_PARTNERSHIP = ("Cwm Taf Morgannwg VAWDASV Partnership", "Cwm Taf Morgannwg")
WELSH_AGENCIES = [
    ("South Wales Police", Sector.POLICE),
    ("Cwm Taf Morgannwg University Health Board", Sector.HEALTH),
    ("Rhondda Cynon Taf County Borough Council", Sector.LOCAL_AUTHORITY),
    ("Merthyr Tydfil County Borough Council", Sector.LOCAL_AUTHORITY),
    ("Bridgend County Borough Council", Sector.LOCAL_AUTHORITY),
    ("Valleys Domestic Abuse Service", Sector.SPECIALIST_DA_SERVICE),
]
WELSH_PEOPLE = [
    ("coordinator@cymru.demo.example", "Rhian Pritchard", False, Role.COORDINATOR, None, False),
    ("agency.lead@cymru.demo.example", "Gareth Llewelyn", False, Role.AGENCY_LEAD, "South Wales Police", False),
    ("panel.chair@cymru.demo.example", "Eleri Watkins", False, Role.PANEL_MEMBER, None, False),
]
#: bodies beyond the partnerships, each with its contacts' (email, name) (all invented)
BODIES = [
    ("Home Office", BodyKind.GOVERNMENT_DEPARTMENT, [("respondent@demo.example", "Jo Whitfield")]),
    ("Department of Health and Social Care", BodyKind.GOVERNMENT_DEPARTMENT, []),
]
#: people with a role across every partnership: (email, name, national role)
NATIONAL_PEOPLE = [("observer@demo.example", "Alex Morgan", NationalRole.OBSERVER)]
#: the demo review's recommendation to a body beyond the partnership, not yet sent: (number, text, body, theme)
NATIONAL_RECOMMENDATION = (
    "N1", "The Home Office should make sure that the statutory guidance tells panels how to hear from the "
          "victim's colleagues and employer.", "Home Office", "Coordination")
#: what the accounts without a role in a partnership do, as `flask tracker demo` says it
BEYOND_PARTNERSHIPS = {
    **{email: f"contact of the {body}" for body, _kind, contacts in BODIES for email, _name in contacts},
    **{email: role.english_label.lower() for email, _name, role in NATIONAL_PEOPLE}}
#: every demo account, as `flask tracker demo` lists the ones it created
PEOPLE = (MILTON_KEYNES_PEOPLE + WELSH_PEOPLE
          + [(email, name, False, None, None, False) for _body, _kind, contacts in BODIES for email, name in contacts]
          + [(email, name, False, None, None, False) for email, name, _role in NATIONAL_PEOPLE])

#: a SUSR in progress that meets the DHR and Adult Practice Review criteria, so the Home Office quality-assures it
SUSR = dict(reference="CTM SUSR 2025-01", pseudonyms="Ceri", death_month=3, death_year=2025,
            regional_safeguarding_board="Cwm Taf Morgannwg Safeguarding Board",
            case_review_group_on=date(2025, 4, 22),
            # written in Welsh, as the partnership's people work in Welsh
            case_review_group_outcome="Mae'r achos yn bodloni'r meini prawf ar gyfer Adolygiad Dynladdiad Domestig "
                                      "ac Adolygiad Ymarfer Oedolion: mae'r grŵp yn argymell un Adolygiad Diogelu "
                                      "Unedig Sengl.",
            independent_chair="Eleri Watkins", reviewers="Dafydd Hughes, Nia Roberts",
            decision_on=date(2025, 5, 1), welsh_government_notified_on=date(2025, 5, 6),
            commissioned_on=date(2025, 6, 2))
SUSR_CRITERIA = (SafeguardingCriterion.DHR, SafeguardingCriterion.ADULT_PRACTICE)
#: (number, text, Welsh text, agency addressed, theme, action (title, days from today, owner email) or None)
SUSR_RECOMMENDATIONS = [
    ("R1", "South Wales Police should make sure that officers who attend a domestic abuse incident check for an "
           "adult at risk report and share it with the health board.",
     "Dylai Heddlu De Cymru sicrhau bod swyddogion sy'n mynd i ddigwyddiad cam-drin domestig yn gwirio am "
     "adroddiad oedolyn sy'n wynebu risg ac yn ei rannu â'r bwrdd iechyd.",
     "South Wales Police", "Information sharing",
     ("Brief every response officer on checking and sharing adult at risk reports", 60,
      "agency.lead@cymru.demo.example")),
    ("R2", "The health board should ask about domestic abuse at every mental health assessment and record the answer.",
     "Dylai'r bwrdd iechyd holi am gam-drin domestig ym mhob asesiad iechyd meddwl a chofnodi'r ateb.",
     "Cwm Taf Morgannwg University Health Board", "Mental health",
     ("Add a question about domestic abuse to the mental health assessment form", 120, None)),
    ("R3", "Every agency should offer the family an advocate and the chance to take part in the review in Welsh or "
           "in English.",
     "Dylai pob asiantaeth gynnig eiriolwr i'r teulu a'r cyfle i gymryd rhan yn yr adolygiad yn Gymraeg neu yn "
     "Saesneg.",
     "Valleys Domestic Abuse Service", "Specialist services", None),
]

#: a confidential review in progress: (number, text, agency addressed, theme, action or None)
REVIEW = ("DHR 2025-01", "Adult A", 4, 2025)
RECOMMENDATIONS = [
    ("1", "Thames Valley Police should make sure that MARAC outcomes reach the victim's GP practice.",
     "Thames Valley Police", "Information sharing",
     ("Publish a protocol for sending MARAC outcomes to GP practices within two working days", 90)),
    ("2", "Housing officers should ask about domestic abuse when a tenant reports rent arrears or repairs "
          "that suggest violence.", "Milton Keynes City Council Housing", "Routine or selective enquiry",
     ("Add a routine enquiry question to housing arrears and repairs assessments", 150)),
    ("3", "All agencies should train front-line staff to recognise coercive and controlling behaviour.",
     "MK Act", "Training", None),
]


#: (title, outcome, measure, lead agency, owner email, deadline in days from today, resources, component)
ACTIONS = [
    ("Publish a domestic abuse strategy for 2027 to 2030 agreed by every partner",
     "All agencies work to one shared vision and set of priorities",
     "Strategy signed off by the Community Safety Partnership board and published on the council website",
     "Safer MK Community Safety Partnership", "strategic.chair@demo.example", 75,
     dict(staff_time="Coordinator, 10 days; partner workshops within existing resources"), "strategy"),
    ("Train all response officers to recognise coercive and controlling behaviour",
     "Officers identify coercive control at the first call-out",
     "All 212 response officers complete the course; attendance register kept",
     "Thames Valley Police", "agency.lead@demo.example", -12,
     dict(estimated_cost="4800.00", funding_source="Police and Crime Commissioner grant"), "training"),
    ("Consider a broader violence against women and girls approach", "", "", None, None, 400, {}, "shared_objective"),
    ("Introduce routine enquiry about domestic abuse in maternity and emergency departments",
     "Victims who attend hospital are asked safely and referred",
     "Routine enquiry recorded in 90% of maternity bookings, audited quarterly",
     "Milton Keynes University Hospital NHS Foundation Trust", "strategic.member@demo.example", 20,
     dict(within_existing_resources=True), "policies"),
]


def _load_actions(partnership, agencies):
    from datetime import timedelta
    from decimal import Decimal

    from tracker.actions.models import Action
    from tracker.actions.services import refresh_smart
    from tracker.actions.state import london_today

    today = london_today()
    existing = set(db.session.scalars(sa.select(Action.title).where(Action.partnership_id == partnership.id)))
    for title, outcome, measure, agency_name, owner_email, days, resources, component in ACTIONS:
        if title in existing:
            continue
        owner = db.session.scalar(sa.select(User).where(User.email == owner_email)) if owner_email else None
        if "estimated_cost" in resources:
            resources = {**resources, "estimated_cost": Decimal(resources["estimated_cost"])}
        deadline = today + timedelta(days=days)
        action = Action(partnership_id=partnership.id, title=title, outcome=outcome, measure=measure,
                        lead_agency_id=agencies[agency_name].id if agency_name else None,
                        owner_id=owner.id if owner else None, deadline=deadline, original_deadline=deadline,
                        review_arrangement="Quarterly at the delivery group" if owner else "",
                        component=component, **resources)
        refresh_smart(action)
        db.session.add(action)


def _load_review(partnership, agencies):
    from datetime import date, timedelta

    from tracker.actions.models import Action
    from tracker.actions.services import refresh_smart
    from tracker.actions.state import london_today
    from tracker.enums import ActionSource, ReviewStatus
    from tracker.reviews.models import PanelMember, Recommendation, Review
    from tracker.reviews.services import themes_of

    reference, pseudonym, month, year = REVIEW
    if db.session.scalar(sa.select(Review.id).where(Review.partnership_id == partnership.id,
                                                    Review.reference == reference)):
        return
    today = london_today()
    review = Review(partnership_id=partnership.id, reference=reference, pseudonyms=pseudonym, death_month=month,
                    death_year=year, independent_chair="Margaret Ode", status=ReviewStatus.IN_PROGRESS,
                    decision_on=date(2025, 6, 2), commissioned_on=date(2025, 7, 14), **REVIEW_WORK[reference][0])
    db.session.add(review)
    db.session.flush()
    chair = db.session.scalar(sa.select(User).where(User.email == "panel.chair@demo.example"))
    lead = db.session.scalar(sa.select(User).where(User.email == "agency.lead@demo.example"))
    db.session.add_all([PanelMember(review_id=review.id, user_id=chair.id, is_chair=True),
                        PanelMember(review_id=review.id, user_id=lead.id)])
    _load_review_work(review, agencies, {"panel.chair@demo.example": chair, "agency.lead@demo.example": lead})
    themes = {t.name: t for t in themes_of(partnership)}
    for number, text, agency_name, theme, action in RECOMMENDATIONS:
        recommendation = Recommendation(review_id=review.id, number=number, text=text,
                                        agencies=[agencies[agency_name]], themes=[themes[theme]])
        db.session.add(recommendation)
        if action is not None:
            title, days = action
            deadline = today + timedelta(days=days)
            record = Action(partnership_id=partnership.id, source=ActionSource.DHR, recommendation=recommendation,
                            title=title, lead_agency_id=agencies[agency_name].id, deadline=deadline,
                            original_deadline=deadline, theme=theme)
            refresh_smart(record)
            db.session.add(record)


def _load_benchmark(partnership):
    """The frameworks (refreshed on every run) and the reference data, then Milton Keynes' real 2012 benchmark, so
    that a new user sees a real example: with the reviewer's commentary summarised, and the key issues the report
    calls strengths marked as needing no action (tracker/benchmarks/data/milton-keynes-2012-demo.json)."""
    import json

    from tracker.benchmarks.models import Benchmark, ReferenceScore
    from tracker.benchmarks.services import DATA, import_json, load_frameworks, load_reference_scores

    load_frameworks()
    if not db.session.scalar(sa.select(ReferenceScore.id).limit(1)):
        load_reference_scores()
    if not db.session.scalar(sa.select(Benchmark.id).where(Benchmark.partnership_id == partnership.id)):
        data = json.loads((DATA / "milton-keynes-2012-benchmark.json").read_text(encoding="utf-8"))
        demo = json.loads((DATA / "milton-keynes-2012-demo.json").read_text(encoding="utf-8"))
        data["overall"]["commentary"] = demo["overall_commentary"]
        for component in data["components"]:
            component["commentary"] = demo["commentary"][component["component"]]
        benchmark = import_json(partnership, json.dumps(data))
        for finding in benchmark.findings:
            if finding.text in demo["strengths"]:
                finding.is_no_action_needed, finding.no_action_reason = True, demo["strengths"][finding.text]
        db.session.commit()


def _load_partnership(names, nation, agency_list, people, password, language=""):
    """The partnership, its agencies and its people's accounts and roles, whichever are missing; returns the
    partnership, its agencies by name and the emails of accounts created now."""
    name, area = names
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.name == name))
    if partnership is None:
        partnership = Partnership(name=name, area=area, nation=nation)
        db.session.add(partnership)
        db.session.flush()
    agencies = {a.name: a for a in partnership.agencies}
    for agency_name, sector in agency_list:
        if agency_name not in agencies:
            agencies[agency_name] = Agency(partnership=partnership, name=agency_name, sector=sector)
            db.session.add(agencies[agency_name])
    db.session.flush()

    created = []
    for email, person_name, is_admin, role, agency_name, is_chair in people:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(name=person_name, email=email, is_administrator=is_admin,
                        password_hash=hash_password(password), language=language)
            db.session.add(user)
            db.session.flush()
            created.append(email)
        if role is None:
            continue
        agency_id = agencies[agency_name].id if agency_name else None
        has_role = db.session.scalar(sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.partnership_id == partnership.id, Membership.role == role))
        if not has_role:
            db.session.add(Membership(user=user, partnership_id=partnership.id, role=role, agency_id=agency_id,
                                      is_chair=is_chair))
    db.session.flush()
    return partnership, agencies, created


def _load_susr(partnership, agencies):
    """The Welsh partnership's SUSR, with its panel, its recommendations in Welsh and English, and their actions."""
    from datetime import timedelta

    from tracker.actions.models import Action
    from tracker.actions.services import refresh_smart
    from tracker.actions.state import london_today
    from tracker.enums import ActionSource, ReviewStatus, ReviewType
    from tracker.reviews.models import PanelMember, Recommendation, Review, ReviewCriterion
    from tracker.reviews.services import themes_of

    if db.session.scalar(sa.select(Review.id).where(Review.partnership_id == partnership.id,
                                                    Review.reference == SUSR["reference"])):
        return
    today = london_today()
    review = Review(partnership_id=partnership.id, review_type=ReviewType.SUSR, status=ReviewStatus.IN_PROGRESS,
                    criteria_met=[ReviewCriterion(criterion=criterion) for criterion in SUSR_CRITERIA], **SUSR)
    db.session.add(review)
    db.session.flush()
    people = {u.email: u for u in db.session.scalars(sa.select(User).where(
        User.email.in_([email for email, *_rest in WELSH_PEOPLE])))}
    db.session.add_all([PanelMember(review_id=review.id, user_id=people["panel.chair@cymru.demo.example"].id,
                                    is_chair=True),
                        PanelMember(review_id=review.id, user_id=people["agency.lead@cymru.demo.example"].id)])
    for field, value in REVIEW_WORK[review.reference][0].items():
        setattr(review, field, value)
    _load_review_work(review, agencies, people)
    themes = {t.name: t for t in themes_of(partnership)}
    for number, text, welsh_text, agency_name, theme, action in SUSR_RECOMMENDATIONS:
        recommendation = Recommendation(review_id=review.id, number=number, text=text, welsh_text=welsh_text,
                                        agencies=[agencies[agency_name]], themes=[themes[theme]])
        db.session.add(recommendation)
        if action is not None:
            title, days, owner_email = action
            deadline = today + timedelta(days=days)
            record = Action(partnership_id=partnership.id, source=ActionSource.DHR, recommendation=recommendation,
                            title=title, lead_agency_id=agencies[agency_name].id, deadline=deadline,
                            original_deadline=deadline, theme=theme,
                            owner_id=people[owner_email].id if owner_email else None)
            refresh_smart(record)
            db.session.add(record)


#: the demo reviews' requests to agencies: (review reference, agency, kind, days from today it was sent, due,
#: received or None, contact's email or None (the agency's leads), chases (days from today, note), note)
REQUESTS = [
    (REVIEW[0], "Thames Valley Police", "chronology", -60, -32, -35, "agency.lead@demo.example", (),
     "Contact with Adult A and the perpetrator from January 2022 to the death"),
    (REVIEW[0], "Milton Keynes City Council Housing", "imr", -50, -10, None, None,
     ((-3, "Called the housing safeguarding lead: promised within a week"),), ""),
    (REVIEW[0], "Milton Keynes University Hospital NHS Foundation Trust", "chronology", -20, 5, None,
     "strategic.member@demo.example", (), ""),
    # written in Welsh, as the partnership's people work in Welsh
    (SUSR["reference"], "South Wales Police", "chronology", -90, -60, -62, "agency.lead@cymru.demo.example", (),
     "Cyswllt â Ceri a'r cyflawnwr o fis Ionawr 2023 hyd at y farwolaeth"),
]


def _load_requests(partnership, agencies):
    """The requests of the partnership's demo review, unless it has some: one received, one overdue and chased, one
    due within the week."""
    from datetime import timedelta

    from tracker.actions.state import london_today
    from tracker.enums import RequestKind
    from tracker.reviews.models import AgencyRequest, AgencyRequestChase, Review

    today = london_today()
    for reference in dict.fromkeys(row[0] for row in REQUESTS):
        review = db.session.scalar(sa.select(Review).where(Review.partnership_id == partnership.id,
                                                           Review.reference == reference))
        if review is None or review.agency_requests:
            continue
        for _reference, agency, kind, sent, due, received, contact, chases, note in (
                row for row in REQUESTS if row[0] == reference):
            person = db.session.scalar(sa.select(User).where(User.email == contact)) if contact else None
            review.agency_requests.append(AgencyRequest(
                agency_id=agencies[agency].id, kind=RequestKind(kind), sent_on=today + timedelta(days=sent),
                due_on=today + timedelta(days=due),
                received_on=today + timedelta(days=received) if received else None,
                contact_id=person.id if person else None, note=note,
                chases=[AgencyRequestChase(chased_on=today + timedelta(days=day), note=said) for day, said in chases]))


#: each demo review's work, by reference: (its own details, panel members' details by email, family contacts as
#: (relationship, contact, how, first and latest contact, the four offers, advocacy, advocate, saw the report on,
#: wishes on the pseudonym, on publication), terms of reference). The family are invented, and no real case's.
REVIEW_WORK = {
    REVIEW[0]: (
        dict(agreed_target_on=date(2026, 6, 30), extension_reason="Awaiting the outcome of the criminal trial",
             estimated_cost=9500, funded_by="Safer MK Community Safety Partnership, with contributions "
                                                       "from Thames Valley Police and the integrated care board"),
        {"panel.chair@demo.example": dict(panel_role="Independent chair", is_independent=True, is_da_specialist=True,
                                          other_expertise="Chaired reviews in three other areas"),
         "agency.lead@demo.example": dict(agency="Thames Valley Police", panel_role="Detective inspector, public "
                                          "protection", other_expertise="Domestic abuse investigations")},
        [("Sister", "Adult A's older sister", "through_advocate", date(2025, 7, 21), date(2025, 11, 3),
          ("taken_up", "taken_up", "taken_up", "awaiting"), "provided",
          "A specialist advocate from a national charity for families bereaved by domestic homicide", None,
          "Chose the pseudonym with the chair; asked that no ages or street names appear in the report.",
          "Wants to be told the publication date a week beforehand and to receive a printed copy."),
         ("Friend", "A close friend from work", "email", date(2025, 8, 12), date(2025, 9, 1),
          ("declined", "taken_up", "not_offered", "not_offered"), "declined", "", None, "",
          "Sent a written account; did not want to be named in the report."),
         ("Son", "Adult A's adult son", "through_police", date(2025, 8, 20), None,
          ("awaiting", "awaiting", "awaiting", "not_offered"), "offered",
          "A specialist advocate from a national charity for families bereaved by domestic homicide", None, "", "")],
        "The review will look at the contact each agency had with Adult A and the perpetrator from January 2022 "
        "until Adult A's death in April 2025: whether the risk was recognised and shared, whether the MARAC's "
        "decisions reached the GP and housing, and whether Adult A knew of and could reach the specialist "
        "domestic abuse service.\nAdult A's family and friends will be offered the chance to contribute from the "
        "start, with specialist advocacy, and to read the report before it is published."),
    SUSR["reference"]: (
        dict(estimated_cost=12000, funded_by="Bwrdd Diogelu Cwm Taf Morgannwg a'r bartneriaeth"),
        {"panel.chair@cymru.demo.example": dict(panel_role="Cadeirydd annibynnol", is_independent=True,
                                                is_da_specialist=True),
         "agency.lead@cymru.demo.example": dict(agency="South Wales Police", panel_role="Arolygydd, diogelu'r "
                                                "cyhoedd", other_expertise="Ymchwiliadau cam-drin domestig")},
        [("Mam", "Mam Ceri", "through_police", date(2025, 6, 16), date(2025, 10, 8),
          ("taken_up", "taken_up", "taken_up", "awaiting"), "provided",
          "Eiriolwr arbenigol gan elusen genedlaethol, yn Gymraeg", None,
          "Dewisodd y teulu'r ffugenw gyda'r cadeirydd.",
          "Am gael yr adroddiad yn Gymraeg a chael gwybod y dyddiad cyhoeddi ymlaen llaw."),
         ("Ffrind", "Ffrind agos o'r capel", "phone", date(2025, 7, 2), date(2025, 7, 2),
          ("not_offered", "taken_up", "not_offered", "not_offered"), "not_offered", "", None, "", "")],
        "Bydd yr adolygiad yn edrych ar y cyswllt a gafodd pob asiantaeth â Ceri a'r cyflawnwr rhwng mis Ionawr "
        "2023 a marwolaeth Ceri ym mis Mawrth 2025: a gafodd y risg ei hadnabod a'i rhannu, ac a oedd "
        "gwasanaethau ar gael i Ceri yn Gymraeg.\nBydd teulu a ffrindiau Ceri yn cael cynnig cymryd rhan o'r "
        "dechrau, gydag eiriolaeth arbenigol, a darllen yr adroddiad cyn ei gyhoeddi."),
}


def _load_review_work(review, agencies, people):
    """The review's panel details, family contacts and terms of reference, from REVIEW_WORK."""
    from tracker.enums import Advocacy, ContactMethod, Offer
    from tracker.reviews.models import FamilyContact, PanelMember, TermsOfReference

    _details, panel, family, terms = REVIEW_WORK[review.reference]
    for member in db.session.scalars(sa.select(PanelMember).where(PanelMember.review_id == review.id)):
        for email, person in people.items():
            if person.id == member.user_id and email in panel:
                details = dict(panel[email])
                member.agency_id = agencies[details.pop("agency")].id if "agency" in details else None
                for field, value in details.items():
                    setattr(member, field, value)
    for relationship, contact, how, first, last, offers, advocacy, advocate, saw, pseudonym, publication in family:
        review.family_contacts.append(FamilyContact(
            relationship_to_victim=relationship, contact=contact, contact_method=ContactMethod(how),
            first_contacted_on=first, last_contacted_on=last, advocacy=Advocacy(advocacy), advocate=advocate,
            saw_report_on=saw, pseudonym_wishes=pseudonym, publication_wishes=publication,
            **{field: Offer(offer) for field, offer in zip(FamilyContact.OFFERS, offers, strict=True)}))
    review.terms = TermsOfReference(text=terms)


#: (action title, its milestones as a plan writes them with days from today, survivor involvement, groups served)
ACTION_DETAILS = [
    ("Publish a domestic abuse strategy for 2027 to 2030 agreed by every partner",
     [("Draft the strategy with every partner", -20, True), ("Hear survivors through MK Act's forum", -5, False),
      ("Sign-off by the Community Safety Partnership board", 60, False)],
     "Priorities set with MK Act's survivors' forum: two sessions, twelve survivors, paid for their time",
     ["age", "disability", "race", "sexual_orientation", "no_recourse", "children"]),
    ("Introduce routine enquiry about domestic abuse in maternity and emergency departments",
     [("Agree the enquiry question with MK Act", -30, True), ("Train the first ward's midwives", 10, False)],
     "The question's wording was tested with women MK Act supports", ["pregnancy", "sex", "migrants"]),
    ("Brief every response officer on checking and sharing adult at risk reports", [],
     "Lluniwyd y sesiwn friffio gyda fforwm goroeswyr Gwasanaeth Cam-drin Domestig y Cymoedd",
     ["disability", "age"]),
]
#: the review's "all agencies should…" recommendation: the agencies it names, the police's training action that
#: also answers it and a benchmark training key issue, and one action for each of two other agencies
ALL_AGENCIES = ("3", ["Thames Valley Police", "Milton Keynes City Council Housing",
                      "Milton Keynes University Hospital NHS Foundation Trust", "MK Act"],
                "Train all response officers to recognise coercive and controlling behaviour",
                ["Milton Keynes City Council Housing", "Milton Keynes University Hospital NHS Foundation Trust"],
                ("Train front-line staff to recognise coercive and controlling behaviour",
                 "Staff recognise coercive control and refer to MK Act", "Every front-line member of staff trained; "
                 "attendance recorded", 180))


def _load_action_details(partnerships):
    """Milestones (one past its date), survivor involvement and groups served on a few actions, whichever have none
    yet; one action answering a recommendation and a benchmark key issue at once; and an "all agencies"
    recommendation delivered by one action per agency."""
    from datetime import timedelta

    from tracker.actions.models import Action, Milestone
    from tracker.actions.services import actions_per_agency, refresh_smart
    from tracker.actions.state import london_today
    from tracker.benchmarks.models import Benchmark, Component, Finding
    from tracker.reviews.models import Recommendation, Review

    today = london_today()
    for title, milestones, involvement, groups in ACTION_DETAILS:
        action = db.session.scalar(sa.select(Action).where(Action.title == title,
                                                           Action.partnership_id.in_(partnerships)))
        if action is None or action.survivor_involvement:
            continue
        action.milestone_items = [Milestone(title=step, due_on=today + timedelta(days=days), position=position,
                                            done_on=today + timedelta(days=days) if is_done else None)
                                  for position, (step, days, is_done) in enumerate(milestones)]
        action.survivor_involvement, action.groups = involvement, groups
    number, named, linked_title, split, (title, outcome, measure, days) = ALL_AGENCIES
    partnership_id = partnerships[0]
    recommendation = db.session.scalar(sa.select(Recommendation).join(Review).where(
        Review.partnership_id == partnership_id, Review.reference == REVIEW[0], Recommendation.number == number))
    linked = db.session.scalar(sa.select(Action).where(Action.title == linked_title,
                                                       Action.partnership_id == partnership_id))
    if recommendation is None or linked is None or len(recommendation.agencies) > 1:
        return
    agencies = {a.name: a for a in db.session.scalars(sa.select(Agency).where(
        Agency.partnership_id == partnership_id))}
    recommendation.agencies = [agencies[name] for name in named]
    training = db.session.scalar(
        sa.select(Finding).join(Benchmark).join(Component, Component.id == Finding.component_id)
        .where(Benchmark.partnership_id == partnership_id, Component.key == "training",
               Finding.is_no_action_needed.is_(False)).order_by(Finding.position))
    linked.also_recommendations = [recommendation]
    linked.also_findings = [training] if training is not None else []
    refresh_smart(linked)
    db.session.commit()
    actions_per_agency(recommendation, [agencies[name].id for name in split],
                       dict(title=title, outcome=outcome, measure=measure), today + timedelta(days=days))


def _load_bodies(password):
    """The bodies, their contacts and the national observer; the demo review's recommendation to the Home Office.
    Returns the emails of accounts created now."""
    from tracker.bodies.models import BodyContact
    from tracker.bodies.services import address, bodies_named
    from tracker.enums import Scope
    from tracker.reviews.models import Recommendation, Review
    from tracker.reviews.services import themes_of

    created = []

    def person(email, name, **fields):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(name=name, email=email, password_hash=hash_password(password), **fields)
            db.session.add(user)
            db.session.flush()
            created.append(email)
        return user

    for name, kind, contacts in BODIES:
        body = bodies_named([name], None)[0]
        body.kind = kind
        for email, person_name in contacts:
            user = person(email, person_name)
            if not any(c.body_id == body.id for c in user.body_contacts):
                db.session.add(BodyContact(body_id=body.id, user_id=user.id))
    for email, name, role in NATIONAL_PEOPLE:
        person(email, name, national_role=role)
    review = db.session.scalar(sa.select(Review).where(Review.reference == REVIEW[0]))
    number, text, body_name, theme = NATIONAL_RECOMMENDATION
    if not db.session.scalar(sa.select(Recommendation.id).where(Recommendation.review_id == review.id,
                                                                Recommendation.number == number)):
        themes = {t.name: t for t in themes_of(review.partnership)}
        recommendation = Recommendation(review_id=review.id, number=number, text=text, scope=Scope.NATIONAL,
                                        themes=[themes[theme]])
        db.session.add(recommendation)
        address(recommendation, bodies_named([body_name], Scope.NATIONAL))
    db.session.flush()
    return created


def load_demo(password):
    """Create whatever of the demo is missing; returns the emails of accounts created now."""
    partnership, agencies, created = _load_partnership(PARTNERSHIP, Nation.ENGLAND, AGENCIES, MILTON_KEYNES_PEOPLE,
                                                       password)
    _load_actions(partnership, agencies)
    _load_review(partnership, agencies)
    _load_requests(partnership, agencies)
    db.session.commit()
    _load_benchmark(partnership)
    welsh, welsh_agencies, welsh_created = _load_partnership(WELSH_PARTNERSHIP, Nation.WALES, WELSH_AGENCIES,
                                                             WELSH_PEOPLE, password, language="cy")
    _load_susr(welsh, welsh_agencies)
    _load_requests(welsh, welsh_agencies)
    db.session.commit()
    _load_action_details([partnership.id, welsh.id])
    national_created = _load_bodies(password)
    db.session.commit()
    return created + welsh_created + national_created
