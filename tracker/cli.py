"""`flask tracker …`: the maintenance commands."""
import secrets

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from tracker.accounts.models import User
from tracker.accounts.services import normalise_email
from tracker.audit.services import acting_as
from tracker.extensions import db

tracker_cli = AppGroup("tracker", help="Commands for running the tracker.")


@tracker_cli.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", prompt=True, help="The administrator's full name.")
@click.password_option(help="Asked for when not given.")
def create_admin(email, name, password):
    """Create an administrator account, or make an existing account an administrator."""
    from tracker.accounts.passwords import weakness
    from tracker.accounts.services import set_password

    email = normalise_email(email)
    with acting_as(None):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(name=name.strip(), email=email)
            db.session.add(user)
        problem = "must be 12 characters or more" if len(password) < 12 else weakness(password, user)
        if problem:
            db.session.rollback()
            raise click.BadParameter(problem, param_hint="--password")
        user.is_administrator = True
        db.session.flush()
        set_password(user, password)  # ends its sessions and cancels any outstanding link
        db.session.commit()
    click.echo(f"{email} is an administrator.")


@tracker_cli.command("load-reference")
@click.option("--scores", type=click.Path(exists=True, dir_okay=False),
              help="CSV of the reference partnerships' 2013 scores (default: the copy shipped with the tracker).")
def load_reference(scores):
    """Load the benchmark frameworks and the reference partnerships' scores. Running it again refreshes them."""
    from tracker.benchmarks.services import REFERENCE_CSV, load_frameworks, load_reference_scores

    frameworks = load_frameworks()
    partnerships = load_reference_scores(scores or REFERENCE_CSV)
    click.echo(f"Loaded {frameworks} frameworks and the scores of {partnerships} reference partnerships.")


@tracker_cli.command("remind")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day to run for (default today).")
@click.option("--dry-run", is_flag=True,
              help="Show who would be reminded of what; record and send nothing, packs and hand-offs included.")
def remind(day, dry_run):
    """Do the morning's work now, as the scheduler does at 07:00: reminders and escalations, the packs of meetings
    now due, responses due from outside bodies, the morning email of hand-offs, then delivery."""
    from tracker.actions.state import london_today
    from tracker.reminders.schedule import kind_label
    from tracker.scheduler import daily_run

    day = day.date() if day else london_today()
    run = daily_run(day, dry_run=dry_run)
    plan = run.reminders
    for title, by_person in (("Reminders", plan.digests), ("Escalations", plan.escalations)):
        for person, items in by_person.items():
            click.echo(f"{title} for {person.email}:")
            for item in items:
                click.echo(f"  action {item.action.id}: {item.kind}, "
                           f"{kind_label(item.kind, item.on, day)}")
    if dry_run:
        click.echo(f"Dry run for {day}: {plan.message_count} email(s) would be sent; nothing was recorded.")
        return
    click.echo(_summary(day, run))


def _summary(day, run):
    plan = run.reminders
    return (f"Run for {day}: {len(plan.logs)} reminder decision(s) recorded, {plan.message_count} email(s) "
            f"queued, {run.packs} meeting pack(s), {run.morning_emails} morning email(s) of hand-offs; "
            f"{run.sent} sent, {run.failed} failed (failures are retried).")


@tracker_cli.command("scheduler")
@click.option("--run-now", is_flag=True, help="Do the morning's work as it starts, if it leads (a restart at "
              "07:00 would otherwise leave it to the next working day), then carry on on schedule.")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="With --run-now: the day that run is for (default today).")
def run_scheduler(run_now, day):
    """Run the scheduler (reminders at 07:00 on working days, delivery every minute) until stopped."""
    from flask import current_app

    from tracker.actions.state import london_today
    from tracker.scheduler import build, reminder_job

    if day and not run_now:
        raise click.UsageError("--date is the day of the run at start: give --run-now with it.")
    app = current_app._get_current_object()
    scheduler, leadership = build(app)
    try:
        if run_now:
            day = day.date() if day else london_today()
            run = reminder_job(app, leadership, day)
            click.echo(_summary(day, run) if run else "Another scheduler leads: it does the morning's work.")
        click.echo("Scheduler running (Europe/London). Press Ctrl+C to stop.")
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        leadership.release()


@tracker_cli.command("synth")
@click.option("--partnerships", default=350, show_default=True)
@click.option("--reviews", default=2000, show_default=True)
@click.option("--actions", default=120_000, show_default=True)
@click.option("--updates", default=600_000, show_default=True)
@click.option("--overdue-share", default=0.05, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@click.option("--largest", default=0, show_default=True, help="Actions the first partnership holds beyond its share.")
@click.option("--findings", default=0, show_default=True, help="Benchmark key issues in each partnership.")
@click.option("--commit", is_flag=True, help="Write the data (without it, only say what would be written).")
def synth(partnerships, reviews, actions, updates, overdue_share, seed, largest, findings, commit):
    """Generate deterministic synthetic data at national scale, for the benchmarks. Use an empty database."""
    from tracker.db import refresh_statistics
    from tracker.synth import Scale, generate

    scale = Scale(partnerships, reviews, actions, updates, overdue_share, seed, largest, findings)
    if not commit:
        click.echo(f"Would generate {scale}; add --commit to write it.")
        return
    click.echo(f"Generated {generate(scale)}")
    refresh_statistics()


@tracker_cli.command("demo")
@click.option("--password", help="Password for the demo accounts created now (default: a random one, printed once).")
def demo(password):
    """Load the demo partnership (Milton Keynes) with one account per role. Running it again changes nothing."""
    from tracker.demo import BEYOND_PARTNERSHIPS, PEOPLE, load_demo

    password = password or secrets.token_urlsafe(12)
    with acting_as(None):
        created = load_demo(password)
    if not created:
        click.echo("The demo partnership is already loaded; nothing changed.")
        return
    click.echo("Demo accounts created (the password is shown only now):")
    for email, name, is_admin, role, agency, is_chair in PEOPLE:
        if email in created:
            what = ("administrator" if is_admin else "strategic group chair" if is_chair
                    else role.label.lower() if role else BEYOND_PARTNERSHIPS[email])
            click.echo(f"  {email:32} {what}")
    click.echo(f"  password: {password}")


def _partnership(name_or_id):
    from tracker.partnerships.models import Partnership

    query = sa.select(Partnership).where(
        Partnership.id == int(name_or_id) if name_or_id.isdigit() else
        sa.func.lower(Partnership.name) == name_or_id.strip().lower())
    partnership = db.session.scalar(query)
    if partnership is None:
        raise click.UsageError(f"No partnership is called or numbered ‘{name_or_id}’.")
    return partnership


def _review(partnership, reference):
    from tracker.reviews.models import Review

    return db.session.scalar(sa.select(Review).where(Review.partnership_id == partnership.id,
                                                     sa.func.lower(Review.reference) == reference.strip().lower()))


@tracker_cli.command("import-plan")
@click.option("--partnership", "partnership_ref", required=True, help="The partnership's name or number.")
@click.option("--review", "reference", help="The review's reference; a review is created when none has it. "
                                            "Without it the file is a register: a Review column, or one sheet "
                                            "per review.")
@click.option("--create-agencies", is_flag=True, help="Add names that are not agencies of the partnership as new "
                                                      "agencies (sector: other), or as bodies outside it where "
                                                      "only regional or national recommendations name them. "
                                                      "Without it they are refused.")
@click.option("--number-by-position", is_flag=True, help="Number recommendations the file leaves unnumbered by "
                                                         "their position.")
@click.option("--dry-run", is_flag=True, help="Print what would be created and changed; save nothing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_plan(partnership_ref, reference, create_agencies, number_by_position, dry_run, file):
    """Import an action plan (CSV, XLSX or a Word table) with the same checks as the web page; all or nothing."""
    from pathlib import Path

    from flask import current_app

    from tracker.errors import ValidationFailed
    from tracker.plans import services

    partnership = _partnership(partnership_ref)
    path = Path(file)
    data = path.read_bytes()
    if len(data) > current_app.config["IMPORT_MAX_BYTES"] * 10:
        raise click.ClickException(f"{path.name} is larger than {current_app.config['IMPORT_MAX_BYTES'] * 10} bytes")
    review = _review(partnership, reference) if reference else None
    decisions = {"number_by_position": number_by_position}
    try:
        plan = services.build_preview(partnership, review, path.name, data, services.saved_columns(partnership),
                                      decisions, reference=reference)
        if create_agencies:
            decisions["names"] = services.default_decisions(plan)
            plan = services.build_preview(partnership, review, path.name, data,
                                          services.saved_columns(partnership), decisions, reference=reference)
    except ValidationFailed as failure:
        raise click.ClickException("; ".join(failure.errors.values())) from None
    click.echo(services.describe(plan))
    if not plan.can_confirm:
        db.session.rollback()
        raise click.ClickException("Nothing was imported: correct the file (or use --create-agencies or "
                                   "--number-by-position) and run it again.")
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing was saved.")
        return
    with acting_as(None):
        result = services.apply_preview(partnership, plan, None)
        db.session.commit()
    click.echo(str(result))


@tracker_cli.command("export-plan")
@click.option("--partnership", "partnership_ref", required=True, help="The partnership's name or number.")
@click.option("--review", "reference", help="The review's reference; without it, every review (a register).")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx", "docx"]), required=True)
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def export_plan(partnership_ref, reference, kind, out):
    """Write a review's action plan (or the partnership's whole register) in the columns an import reads back."""
    from pathlib import Path

    from tracker.plans import exports
    from tracker.reviews.models import Review

    partnership = _partnership(partnership_ref)
    if reference:
        review = _review(partnership, reference)
        if review is None:
            raise click.ClickException(f"{partnership.name} has no review ‘{reference}’.")
        data = exports.word(review) if kind == "docx" else exports.spreadsheet(partnership, [review], kind)[0]
    else:
        if kind == "docx":
            raise click.UsageError("A Word export is of one review: give --review.")
        reviews = db.session.scalars(sa.select(Review).where(Review.partnership_id == partnership.id)
                                     .order_by(Review.reference)).all()
        data = exports.spreadsheet(partnership, reviews, kind, with_review=True, title="Register")[0]
    Path(out).write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes).")


# the outbox and backup commands register themselves on tracker_cli
from tracker import backup_cli, outbox_cli  # noqa: E402,F401
