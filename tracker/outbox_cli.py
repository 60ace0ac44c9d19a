"""`flask tracker outbox`: what the outbox holds, for whoever looks after the mail relay, and failed emails tried
again."""
import click
import sqlalchemy as sa

from tracker.cli import _partnership, tracker_cli
from tracker.db import utcnow
from tracker.email import OutboxMessage, deliver_outbox, delivery_health, partnership_messages, retry_failed
from tracker.enums import OutboxStatus
from tracker.extensions import db


@tracker_cli.command("outbox")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]), help="Only messages in this state.")
@click.option("--partnership", "partnership_ref", help="Only messages about this partnership (its name or number).")
@click.option("--limit", default=50, show_default=True, help="How many messages to list, newest first.")
@click.option("--retry", is_flag=True, help="Queue the failed messages numbered IDS again and send them.")
@click.option("--retry-failed", "every_failed", is_flag=True,
              help="Queue every failed message again (of --partnership, if given) and send them.")
@click.argument("ids", nargs=-1, type=int)
def outbox(status, partnership_ref, limit, retry, every_failed, ids):
    """List the outbox (state, tries, age, last error), or queue failed emails again. Only a failed email moves:
    one already queued again, sent or superseded is left as it is, and the command says so."""
    if bool(ids) != retry:
        raise click.UsageError("Give --retry with the numbers of the messages to queue again.")
    partnership = _partnership(partnership_ref) if partnership_ref else None
    ours = [partnership_messages(partnership.id)] if partnership else []
    if retry or every_failed:
        _retry(ours, ids if retry else None)
        return
    query = (sa.select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.created_at,
                       OutboxMessage.kind, OutboxMessage.to_address, OutboxMessage.last_error)
             .where(*ours).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit))
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    now = utcnow()
    rows = db.session.execute(query).all()
    if rows:
        click.echo(f"{'id':>8}  {'state':10} {'tries':>5} {'age':>7}  {'kind':24} to, and the last error")
    for row in rows:
        click.echo(f"{row.id:>8}  {row.status.value:10} {row.attempts:>5} {_age(now - row.created_at):>7}  "
                   f"{row.kind:24} {row.to_address}")
        if row.last_error:
            click.echo(f"{'':>10}{row.last_error}")
    health = delivery_health(partnership, now)
    click.echo(f"{len(rows)} listed. {health.failed} failed (retry with --retry ID… or --retry-failed); "
               f"{health.unsent} unsent for more than an hour.")


def _retry(ours, ids):
    wanted = sa.select(OutboxMessage.id).where(*ours)
    wanted = wanted.where(OutboxMessage.id.in_(ids)) if ids is not None else \
        wanted.where(OutboxMessage.status == OutboxStatus.FAILED)
    found = db.session.scalars(wanted).all()
    moved = sorted(retry_failed(found))
    db.session.commit()
    click.echo(f"Queued again: {', '.join(map(str, moved)) or 'none'}.")
    for message_id, state in db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.status).where(
            OutboxMessage.id.in_(set(found) - set(moved))).order_by(OutboxMessage.id)):
        click.echo(f"  {message_id} was not failed ({state.value}): left as it is.")
    for message_id in sorted(set(ids or ()) - set(found)):
        click.echo(f"  {message_id}: no such message{' of this partnership' if ours else ''}.")
    if not moved:
        return
    deliver_outbox(ids=moved)
    click.echo("Tried at once:")
    for message_id, state, error in db.session.execute(sa.select(
            OutboxMessage.id, OutboxMessage.status, OutboxMessage.last_error)
            .where(OutboxMessage.id.in_(moved)).order_by(OutboxMessage.id)):
        click.echo(f"  {message_id}: {state.value}{f' ({error})' if error else ''}")


def _age(elapsed):
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h" if minutes < 48 * 60 else f"{minutes // (24 * 60)} d"
