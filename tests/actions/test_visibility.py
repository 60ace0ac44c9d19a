"""Who may open an action is decided in SQL from the action's own copy of its review (Action.review_id), which the
database keeps: however an action or recommendation is written, the copy agrees with the recommendation, and the
lists built on it hold exactly the actions the Python rule lets each person open."""
import sqlalchemy as sa

from tracker.actions.models import Action
from tracker.extensions import db
from tracker.permissions import can, visible_actions
from tracker.reviews.models import Recommendation


def _copied(action_id):
    return db.session.execute(sa.select(Action.recommendation_id, Action.review_id)
                              .where(Action.id == action_id)).one()


def _review_of(recommendation_id):
    return db.session.scalar(sa.select(Recommendation.review_id).where(Recommendation.id == recommendation_id))


def test_the_database_copies_each_actions_review_however_it_is_written(ctx, make):
    p = make.partnership()
    confidential, published = make.review(p), make.review(p, status="published")
    secret, public = make.recommendation(confidential), make.recommendation(published)
    action = make.action(p, source="dhr", recommendation_id=secret.id)
    assert _copied(action.id) == (secret.id, confidential.id)

    # a row written by SQL alone, as a bulk job or an import does
    columns = [c for c in Action.__table__.columns if c.name not in ("id", "review_id")]
    db.session.execute(sa.insert(Action).from_select(
        [c.name for c in columns],
        sa.select(*[sa.literal(public.id) if c.name == "recommendation_id" else c for c in columns])
        .where(Action.id == action.id)))
    db.session.commit()
    copy = db.session.scalar(sa.select(sa.func.max(Action.id)))
    assert _copied(copy) == (public.id, published.id)
    # a copy written with no recommendation is none: the same on both databases
    db.session.execute(sa.insert(Action).from_select(
        [c.name for c in columns] + ["review_id"],
        sa.select(*[sa.null() if c.name == "recommendation_id" else c for c in columns], sa.literal(published.id))
        .where(Action.id == action.id)))
    db.session.commit()
    assert _copied(db.session.scalar(sa.select(sa.func.max(Action.id)))) == (None, None)

    record = db.session.get(Action, action.id)
    record.recommendation_id = public.id
    db.session.commit()
    assert _copied(action.id) == (public.id, published.id)
    record.recommendation_id = None
    db.session.commit()
    assert _copied(action.id) == (None, None)

    # nobody can make the copy disagree with the recommendation: a direct write is put right at once
    db.session.execute(sa.update(Action).where(Action.id == copy).values(review_id=confidential.id))
    db.session.commit()
    assert _copied(copy) == (public.id, published.id)

    # a recommendation moved to another review takes its actions' copies with it
    db.session.execute(sa.update(Recommendation).where(Recommendation.id == public.id)
                       .values(review_id=confidential.id))
    db.session.commit()
    assert _copied(copy) == (public.id, confidential.id) == (public.id, _review_of(public.id))


def test_each_person_lists_exactly_the_actions_they_may_open(ctx, make):
    p, elsewhere = make.partnership(), make.partnership()
    police, homes = make.agency(p), make.agency(p)
    people = {
        "coordinator": make.member(p, "coordinator"),
        "panel member": make.member(p, "panel_member"),
        "lead of the delivering agency": make.member(p, "agency_lead", agency=police),
        "lead of another agency": make.member(p, "agency_lead", agency=homes),
        "owner": make.member(p, "viewer"),
        "strategic member": make.member(p, "strategic_member", is_chair=True),
        "member elsewhere": make.member(elsewhere, "coordinator"),
    }
    confidential = make.review(p, panel=[(people["panel member"], True)])
    published = make.review(p, status="published")
    secret, public = make.recommendation(confidential), make.recommendation(published)
    actions = {
        "strategy": make.action(p),
        "confidential, nobody's": make.action(p, source="dhr", recommendation_id=secret.id),
        "confidential, delivered by the agency": make.action(p, source="dhr", recommendation_id=secret.id,
                                                             lead_agency=police),
        "confidential, owned": make.action(p, source="dhr", recommendation_id=secret.id,
                                           owner=people["owner"]),
        "published": make.action(p, source="dhr", recommendation_id=public.id),
        "elsewhere": make.action(elsewhere),
    }
    confidential_ones = {"confidential, nobody's", "confidential, delivered by the agency", "confidential, owned"}
    opened = {}
    for who, person in people.items():
        person = db.session.merge(person)
        may = {name for name, action in actions.items() if can(person, "view", db.session.get(Action, action.id))}
        # across the person's partnerships, and within the one partnership a list or report is of
        for within, bound in ((None, sa.true()), (p.id, Action.partnership_id == p.id)):
            in_bounds = {name for name, action in actions.items() if within is None or action.partnership_id == p.id}

            def named(clause, bound=bound):
                ids = set(db.session.scalars(sa.select(Action.id).where(bound, clause)))
                return {name for name, action in actions.items() if action.id in ids}

            assert named(visible_actions(person, within=within)) == may & in_bounds, (who, within)
            if within is not None and who != "coordinator":  # whose clause within a partnership says "all"
                assert named(visible_actions(person, within=within), bound=sa.true()) == may & in_bounds, who
            # by email only what every member may open: never a confidential review's action
            assert named(visible_actions(person, by_email=True, within=within)) == (may & in_bounds) - (
                confidential_ones), (who, within)
        opened[who] = may
    assert opened["coordinator"] == opened["panel member"] == set(actions) - {"elsewhere"}
    assert opened["lead of the delivering agency"] == {"strategy", "published",
                                                       "confidential, delivered by the agency"}
    assert opened["owner"] == {"strategy", "published", "confidential, owned"}
    assert opened["strategic member"] == opened["lead of another agency"] == {"strategy", "published"}
    assert opened["member elsewhere"] == {"elsewhere"}
