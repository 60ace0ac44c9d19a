"""The demo partnership: Milton Keynes, whose 2012 benchmark is in shared/data, with one person per role."""
import sqlalchemy as sa

from tracker.accounts.models import User
from tracker.accounts.services import hash_password
from tracker.enums import Role, Sector
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
PEOPLE = [
    ("admin@demo.example", "Sam Okafor", True, None, None, False),
    ("coordinator@demo.example", "Priya Shah", False, Role.COORDINATOR, None, False),
    ("agency.lead@demo.example", "Tom Reid", False, Role.AGENCY_LEAD, "Thames Valley Police", False),
    ("strategic.chair@demo.example", "Helen Marsh", False, Role.STRATEGIC_MEMBER,
     "Safer MK Community Safety Partnership", True),
    ("strategic.member@demo.example", "David Chen", False, Role.STRATEGIC_MEMBER,
     "Milton Keynes University Hospital NHS Foundation Trust", False),
    ("viewer@demo.example", "Ruth Evans", False, Role.VIEWER, None, False),
]


def load_demo(password):
    """Create whatever of the demo is missing; returns the emails of accounts created now."""
    name, area = PARTNERSHIP
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.name == name))
    if partnership is None:
        partnership = Partnership(name=name, area=area)
        db.session.add(partnership)
        db.session.flush()
    agencies = {a.name: a for a in partnership.agencies}
    for agency_name, sector in AGENCIES:
        if agency_name not in agencies:
            agencies[agency_name] = Agency(partnership=partnership, name=agency_name, sector=sector)
            db.session.add(agencies[agency_name])
    db.session.flush()

    created = []
    for email, person_name, is_admin, role, agency_name, is_chair in PEOPLE:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(name=person_name, email=email, is_administrator=is_admin,
                        password_hash=hash_password(password))
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
    db.session.commit()
    return created
