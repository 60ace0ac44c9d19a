"""The demo partnerships: Milton Keynes, whose 2012 benchmark is in shared/data, with one person per role; and a
Welsh one, Cwm Taf Morgannwg, whose people read the tracker in Welsh, with a Single Unified Safeguarding Review."""
from datetime import date

import sqlalchemy as sa

from tracker.accounts.models import User
from tracker.accounts.services import hash_password
from tracker.enums import Nation, Role, SafeguardingCriterion, Sector
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
#: every demo account, as `flask tracker demo` lists the ones it created
PEOPLE = MILTON_KEYNES_PEOPLE + WELSH_PEOPLE

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
                    decision_on=date(2025, 6, 2), commissioned_on=date(2025, 7, 14))
    db.session.add(review)
    db.session.flush()
    chair = db.session.scalar(sa.select(User).where(User.email == "panel.chair@demo.example"))
    lead = db.session.scalar(sa.select(User).where(User.email == "agency.lead@demo.example"))
    db.session.add_all([PanelMember(review_id=review.id, user_id=chair.id, is_chair=True),
                        PanelMember(review_id=review.id, user_id=lead.id)])
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


#: key issues of the 2012 benchmark that are strengths, not weaknesses
STRENGTHS = {"Clear structure", "Excellent commissioned service", "Outstanding refuge facilities",
             "LSCB training highly regarded", "Good funding for the commissioned service",
             "Commissioned service an example of good practice", "Good operational referral systems"}


def _load_benchmark(partnership):
    """The reference data, then Milton Keynes' real 2012 benchmark, so that a new user sees a real example."""
    from tracker.benchmarks.models import Benchmark, ReferenceScore
    from tracker.benchmarks.services import DATA, import_json, load_frameworks, load_reference_scores

    if not db.session.scalar(sa.select(ReferenceScore.id).limit(1)):
        load_frameworks()
        load_reference_scores()
    if not db.session.scalar(sa.select(Benchmark.id).where(Benchmark.partnership_id == partnership.id)):
        benchmark = import_json(partnership, (DATA / "milton-keynes-2012-benchmark.json").read_bytes())
        for finding in benchmark.findings:
            if finding.text in STRENGTHS:
                finding.is_no_action_needed, finding.no_action_reason = True, "A strength to keep"
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


def load_demo(password):
    """Create whatever of the demo is missing; returns the emails of accounts created now."""
    partnership, agencies, created = _load_partnership(PARTNERSHIP, Nation.ENGLAND, AGENCIES, MILTON_KEYNES_PEOPLE,
                                                       password)
    _load_actions(partnership, agencies)
    _load_review(partnership, agencies)
    db.session.commit()
    _load_benchmark(partnership)
    welsh, welsh_agencies, welsh_created = _load_partnership(WELSH_PARTNERSHIP, Nation.WALES, WELSH_AGENCIES,
                                                             WELSH_PEOPLE, password, language="cy")
    _load_susr(welsh, welsh_agencies)
    db.session.commit()
    return created + welsh_created
