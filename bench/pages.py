"""Every main page at small, national and ten times national scale: queries, p50 and p95, and the ratio to a
baseline measured in the same run.

For each scale it builds a fresh database from the deterministic synthetic data (tracker/synth.py: partnerships
with a coordinator, agency leads and a strategic chair, reviews, a benchmark, actions and progress updates, and
one partnership that holds `largest` actions more than the others). A fresh process then signs in, through the
real forms, as a coordinator, an agency lead and a strategic chair of a typical partnership and of the largest,
and requests each main page they may open at least REQUESTS times through the application's WSGI interface (no
HTTP server: the figures are the application's own). For each page it prints the statements sent to the
database, p50 and p95, and the ratio to its baseline:

    baseline = serving the page's bytes through the same request machinery (session, signed-in person, headers)
             + the one hand-written SQL statement for the rows the page shows, on a raw connection
             + rendering: the page's own template or file writer (PDF, CSV, XLSX), as timed inside its requests,
               or, for the calendar feed, writing the hand-written rows as events

It prints the process's memory after the pages and after the largest partnership's meeting pack, each in a
process of its own, and exits non-zero if a page's statement count
for a person differs between scales or between the typical and the largest partnership.

    .venv/bin/python bench/pages.py                       # SQLite files in a temporary folder
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --scales small        # a quick look
"""
import argparse
import gc
import html
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from reminders import fresh_app  # noqa: E402

from tracker.synth import Scale  # noqa: E402

SCALES = {
    "small": Scale(partnerships=10, reviews=60, actions=3_000, updates=15_000, largest=2_000, findings=12),
    "national": Scale(largest=100_000, findings=12),
    "10x": Scale(partnerships=3_500, reviews=20_000, actions=1_200_000, updates=6_000_000, largest=100_000,
                 findings=12),
}
REQUESTS = 50
PASSWORD = "synthetic-data-password"


# ---------------------------------------------------------------- building the data (the parent process)

def build(url, scale):
    from tracker.actions.state import london_today
    from tracker.db import refresh_statistics
    from tracker.extensions import db
    from tracker.synth import generate

    app = fresh_app(url)
    with app.app_context():
        started = time.perf_counter()
        counts = generate(scale, london_today())
        db.session.remove()
        refresh_statistics()  # as the next morning's run would
        if db.engine.dialect.name == "postgresql":
            # as autovacuum does within minutes of a load: without statistics and a visibility map, PostgreSQL's
            # planner guesses (the action list's page took 190 ms instead of 14 on freshly loaded rows)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    return counts, time.perf_counter() - started


# ---------------------------------------------------------------- measuring (a fresh process)

class Clock:
    """Statements sent and time spent rendering templates, per request."""

    def __init__(self, app, engine):
        import flask

        self.statements, self.rendering, self._started = 0, 0.0, None
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        flask.before_render_template.connect(self._render_starts, app)
        flask.template_rendered.connect(self._render_ends, app)
        from tracker.reports import pdf, views

        for owner, name in ((pdf.Document, "render"), (views, "csv_bytes"), (views, "workbook_bytes")):
            self._time(owner, name)

    def _time(self, owner, name):
        """Counts a file writer's time as rendering, as a template's is."""
        writer = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return writer(*args, **kwargs)
            finally:
                self.rendering += time.perf_counter() - started

        setattr(owner, name, timed)

    def reset(self):
        self.statements, self.rendering = 0, 0.0

    def _statement(self, *args):
        self.statements += 1

    def _render_starts(self, *args, **kwargs):
        self._started = time.perf_counter()

    def _render_ends(self, *args, **kwargs):
        self.rendering += time.perf_counter() - self._started


def _csrf(body):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def sign_in(app, email):
    """A test client signed in through the real forms, with the authenticator code where the role needs one."""
    import pyotp

    from tracker.accounts.models import User
    from tracker.db import utcnow
    from tracker.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user.totp_secret is None:  # set up beforehand, as the person would have on their first sign-in
            user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
        # each step's code is taken once: a run signing the same person in twice within 30 seconds stands in for
        # the wait by putting their last step back
        totp = pyotp.TOTP(user.totp_secret)
        step = totp.timecode(utcnow())
        user.totp_last_step = step - 1
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    token = _csrf(client.get("/sign-in").get_data(as_text=True))
    answer = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    if answer.headers["Location"].startswith("/sign-in/code"):
        answer = client.post("/sign-in/code", data={"code": totp.generate_otp(step), "csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return client


def people(app):
    """The typical partnership (the second, an ordinary one) and the largest (the first), and who signs in."""
    from tracker.accounts.models import User
    from tracker.enums import Role
    from tracker.extensions import db
    from tracker.partnerships.models import Membership, Partnership

    with app.app_context():
        largest, typical = db.session.scalars(sa.select(Partnership.id).order_by(Partnership.id).limit(2)).all()
        chosen = []
        for label, partnership in (("typical", typical), ("largest", largest)):
            for role, who in ((Role.COORDINATOR, "coordinator"), (Role.AGENCY_LEAD, "agency lead"),
                              (Role.STRATEGIC_MEMBER, "strategic chair")):
                email, user_id, agency_id = db.session.execute(
                    sa.select(User.email, User.id, Membership.agency_id).join(Membership)
                    .where(Membership.partnership_id == partnership, Membership.role == role)
                    .order_by(Membership.id).limit(1)).one()
                chosen.append(dict(partnership=label, partnership_id=partnership, who=who, email=email,
                                   user_id=user_id, agency_id=agency_id))
        db.session.remove()
    return chosen


def landmarks(app, partnership_id, user_id):
    """The records a page of this partnership is about: the action of a published review with the most updates,
    the published review with the most recommendations, the benchmark, a calendar address, a deep page number, the
    actions of the list's first page (which a bulk change ticks)."""
    from tracker.accounts.models import User
    from tracker.actions.models import Action, ProgressUpdate
    from tracker.benchmarks.models import Benchmark
    from tracker.extensions import db
    from tracker.reminders.feed import new_feed
    from tracker.reviews.models import Recommendation, Review

    with app.app_context():
        action = db.session.scalar(  # one every member may open, from a published review, with its history
            sa.select(Action.id).join(ProgressUpdate, ProgressUpdate.action_id == Action.id)
            .join(Recommendation, Recommendation.id == Action.recommendation_id).join(Review)
            .where(Action.partnership_id == partnership_id, Review.status == "published")
            .group_by(Action.id).order_by(sa.func.count().desc(), Action.id).limit(1))
        review = db.session.scalar(
            sa.select(Review.id).join(Recommendation).where(Review.partnership_id == partnership_id,
                                                            Review.status == "published")
            .group_by(Review.id).order_by(sa.func.count().desc(), Review.id).limit(1))
        benchmark = db.session.scalar(sa.select(Benchmark.id).where(Benchmark.partnership_id == partnership_id))
        actions = db.session.scalar(sa.select(sa.func.count()).select_from(Action)
                                    .where(Action.partnership_id == partnership_id))
        feed = new_feed(db.session.get(User, user_id))
        db.session.commit()
        per_page = app.config["ITEMS_PER_PAGE"]
        first_page = db.session.scalars(sa.select(Action.id).where(Action.partnership_id == partnership_id)
                                        .order_by(Action.deadline, Action.id).limit(per_page)).all()
        db.session.remove()
    return dict(action=action, review=review, benchmark=benchmark, feed=feed, first_page=first_page,
                deep=max(2, (actions + per_page - 1) // per_page // 2), searched=SEARCHED)


def following(client, partnership_id, number):
    """The deep page as a reader reaches it: the "Next" link of the page before it, which names the action the
    page follows (`deep_after`, for the baseline)."""
    body = client.get(f"/partnerships/{partnership_id}/actions?page={number - 1}").get_data(as_text=True)
    link = html.unescape(re.search(r'govuk-pagination__next">\s*<a[^>]*href="([^"]+)"', body).group(1))
    return dict(deep_link=link, deep_after=int(re.search(r"after=(\d+)", link).group(1)))


#: the word searched for: about one synthetic action in six holds it
SEARCHED = "protocol"


def pages(p, marks):
    """(name, path, form) of each main page; a form is posted (with the person's CSRF token), else the page is got.
    The bulk change is its check page, which shows what the change would do to the list's first page and writes
    nothing, so it can be asked for again and again."""
    bulk = dict(picks=",".join(map(str, marks["first_page"])), step="check", kind="note",
                note="Discussed at the delivery group")
    return [(name, path, None) for name, path in [
        ("home", "/"),
        ("my actions", "/my-actions"),
        ("action list", f"/partnerships/{p}/actions"),
        ("action list, deep page", marks["deep_link"]),
        ("one action", f"/actions/{marks['action']}"),
        ("review list", f"/partnerships/{p}/reviews"),
        ("review with plan", f"/reviews/{marks['review']}"),
        ("overdue report", f"/partnerships/{p}/reports/overdue"),
        ("progress report", f"/partnerships/{p}/reports/progress"),
        ("learning report", f"/partnerships/{p}/reports/learning"),
        ("benchmark", f"/benchmarks/{marks['benchmark']}"),
        ("reminders", f"/partnerships/{p}/reminders"),
        ("meeting pack (PDF)", f"/partnerships/{p}/reports/pack.pdf"),
        ("overdue report (CSV)", f"/partnerships/{p}/reports/overdue.csv"),
        ("overdue report (XLSX)", f"/partnerships/{p}/reports/overdue.xlsx"),
        ("calendar feed", f"/calendar/{marks['feed']}.ics"),
        ("search", f"/search?q={marks['searched']}"),
    ]] + [("bulk change (check)", f"/partnerships/{p}/actions/bulk", bulk)]


def national_people(app):
    """Who reads the national register and the bodies' pages: the national observer, and the contacts of the body
    with the fewest recommendations and of the one with the most; with the records their pages are about."""
    from tracker.accounts.models import User
    from tracker.bodies.models import BodyContact, BodyRecommendation
    from tracker.extensions import db
    from tracker.register import records

    with app.app_context():
        observer = db.session.execute(sa.select(User.email, User.id).where(User.national_role.is_not(None))
                                      .order_by(User.id).limit(1)).one()
        by_body = db.session.execute(
            sa.select(BodyRecommendation.body_id, sa.func.count()).where(BodyRecommendation.sent_on.is_not(None))
            .group_by(BodyRecommendation.body_id).order_by(sa.func.count(), BodyRecommendation.body_id)).all()
        public = db.session.scalar(sa.select(BodyRecommendation.id).join(records.Recommendation)
                                   .join(records.Review).join(records.Partnership).where(records.public_filter())
                                   .order_by(BodyRecommendation.id).limit(1))
        chosen = [dict(partnership="national", who="national observer", email=observer.email, user_id=observer.id,
                       body_id=by_body[-1][0], item=public, partnership_id=None, agency_id=None)]
        for label, (body_id, _count) in (("typical body", by_body[0]), ("largest body", by_body[-1])):
            email, user_id = db.session.execute(sa.select(User.email, User.id).join(BodyContact).where(
                BodyContact.body_id == body_id).limit(1)).one()
            item = db.session.scalar(sa.select(BodyRecommendation.id).where(
                BodyRecommendation.body_id == body_id, BodyRecommendation.sent_on.is_not(None))
                .order_by(BodyRecommendation.id).limit(1))
            chosen.append(dict(partnership=label, who="body's contact", email=email, user_id=user_id,
                               body_id=body_id, item=item, partnership_id=None, agency_id=None))
        db.session.remove()
    return chosen


def national_pages(person):
    """(name, path, form) of the national register's and a body's pages, and the open data's."""
    body, item = person["body_id"], person["item"]
    if person["who"] == "national observer":
        return [(name, path, None) for name, path in [
            ("national register", "/register"),
            ("register list", "/register/recommendations"),
            ("register list (one body)", f"/register/recommendations?body={body}"),
            ("register recommendation", f"/register/recommendations/{item}"),
            ("likely duplicates (one body)", f"/register/duplicates?body={body}"),
            ("open data", "/open-data"),
            ("open data (one body)", f"/open-data/bodies/{body}"),
            ("open data recommendation", f"/open-data/recommendations/{item}"),
        ]]
    return [("body's recommendations", f"/bodies/{body}/recommendations", None),
            ("body's answer page", f"/answers/{item}", None)]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb():
    """This process's own high-water mark (VmHWM): getrusage's maxrss survives exec, so in a child it would report
    the parent's generating the data."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def measure(url, requests, only=None):
    """Runs in a fresh process: every page for every person; prints one JSON line per page."""
    import baselines

    from tracker.extensions import db

    app = fresh_app(url, migrate=False)
    gc.collect()  # as the production worker does once it has loaded the app (gunicorn.conf.py)
    gc.freeze()
    with app.app_context():
        engine = db.engine
    clock = Clock(app, engine)
    app.add_url_rule("/_bench/floor/<int:slot>", "bench_floor", baselines.floor_view)
    for person in people(app) + national_people(app):
        client = sign_in(app, person["email"])
        if person["partnership_id"] is None:
            marks, token, asked = dict(person), None, national_pages(person)
        else:
            marks = landmarks(app, person["partnership_id"], person["user_id"])
            token = _csrf(client.get(f"/partnerships/{person['partnership_id']}/actions").get_data(as_text=True))
            marks.update(following(client, person["partnership_id"], marks["deep"]))
            asked = pages(person["partnership_id"], marks)
        for name, path, form in asked:
            if only and name not in only:
                continue

            def ask(path=path, form=form):
                return client.post(path, data=dict(form, csrf_token=token)) if form else client.get(path)

            first = ask()
            if first.status_code in (403, 404):
                continue
            assert first.status_code == 200, (path, first.status_code)
            body = first.get_data()
            times, rendering, statements = [], [], set()
            for _ in range(requests):
                clock.reset()
                started = time.perf_counter()
                response = ask()
                response.get_data()
                times.append(time.perf_counter() - started)
                rendering.append(clock.rendering)
                statements.add(clock.statements)
            floor = baselines.floor_times(client, body, response.mimetype, requests)
            with app.app_context():
                base = baselines.measure(name, engine, person, marks, requests)
            result = dict(partnership=person["partnership"], who=person["who"], page=name, bytes=len(body),
                          statements=sorted(statements), p50=percentile(times, 0.5), p95=percentile(times, 0.95),
                          render=statistics.median(rendering), floor=statistics.median(floor))
            result.update(sql=base["sql"], rows=base["rows"], write=base.get("write", result["render"]))
            result["baseline"] = result["floor"] + result["sql"] + result["write"]
            result["ratio"] = result["p50"] / result["baseline"]
            print(json.dumps(result), flush=True)
    print(json.dumps(dict(memory="after the pages", rss=rss_mb(), peak=peak_mb())), flush=True)


def measure_pack(url):
    """Runs in a fresh process: the largest partnership's meeting pack, once, as its coordinator."""
    app = fresh_app(url, migrate=False)
    person = next(p for p in people(app) if p["partnership"] == "largest" and p["who"] == "coordinator")
    client = sign_in(app, person["email"])
    before = rss_mb()
    started = time.perf_counter()
    response = client.get(f"/partnerships/{person['partnership_id']}/reports/pack.pdf")
    size = len(response.get_data())
    print(json.dumps(dict(memory="after the largest pack", seconds=time.perf_counter() - started, bytes=size,
                          status=response.status_code, rss_before=before, rss=rss_mb(), peak=peak_mb())),
          flush=True)


# ---------------------------------------------------------------- the run

def _child(*args):
    """Runs a measuring step in a fresh process; its figures, one JSON line each, are echoed to stderr as they
    come, to follow a long run."""
    results = []
    with subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True) as child:
        for line in child.stdout:
            if line.startswith("{"):
                results.append(json.loads(line))
                print(line.rstrip(), file=sys.stderr, flush=True)
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed with {child.returncode}")
    return results


def _ms(seconds):
    return f"{seconds * 1000:.1f}"


def summary(database, runs):
    """One table for the database: each page for each person, its statements and times at every scale, and its
    ratio to the baseline at each scale."""
    names = list(runs)
    print(f"\n### {database}\n")
    for name, (made, generated, _results) in runs.items():
        print(f"- {name}: {made['partnerships']:,} partnerships, {made['actions']:,} actions, {made['updates']:,} "
              f"updates, generated in {generated:.0f} s")
    print("\n| partnership | person | page | queries | " + " | ".join(f"{n}: p50 / p95 ms" for n in names)
          + " | " + " | ".join(f"{n}: × baseline" for n in names) + " |")
    print("|---|---|---|---:|" + "---:|" * (2 * len(names)))
    rows = {}
    for name, (_made, _generated, results) in runs.items():
        for r in results:
            if "page" in r:
                rows.setdefault((r["partnership"], r["who"], r["page"]), {})[name] = r
    for (partnership, who, page), by_scale in rows.items():
        queries = sorted({q for r in by_scale.values() for q in r["statements"]})
        times = " | ".join(f"{_ms(by_scale[n]['p50'])} / {_ms(by_scale[n]['p95'])}" if n in by_scale else ""
                           for n in names)
        ratios = " | ".join(f"{by_scale[n]['ratio']:.2f}" if n in by_scale else "" for n in names)
        print(f"| {partnership} | {who} | {page} | {'/'.join(map(str, queries))} | {times} | {ratios} |")
    print()
    for name, (_made, _generated, results) in runs.items():
        for r in results:
            if "memory" in r:
                extra = f" ({r['seconds']:.2f} s, {r['bytes'] / 1024:.0f} KB)" if "seconds" in r else ""
                print(f"- {name}, memory {r['memory']}{extra}: RSS {r['rss']:.0f} MB, peak {r['peak']:.0f} MB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="small,national,10x")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--pages", default="", help="only these pages: names separated by a comma and no space "
                                                    "(\"action list,action list, deep page\")")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--pack", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure, args.requests, [p for p in re.split(r",(?! )", args.pages) if p])
    if args.pack:
        return measure_pack(args.pack)

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:  # SQLite's files: 2 GB at 10x, then gone
        return _run(args, os.environ.get("BENCH_DATABASE_URL"), folder)


def _run(args, url, folder):
    database = "SQLite"
    counts = {}  # (person, page): {(partnership, scale): statements}
    runs = {}  # scale: (counts made, seconds to generate, results)
    for scale_name in args.scales.split(","):
        scale_url = url or f"sqlite:///{folder}/{scale_name}.sqlite3"
        made, generated = build(scale_url, SCALES[scale_name])
        if scale_url.startswith("postgres"):
            with sa.create_engine("postgresql+psycopg://" + scale_url.split("://", 1)[1]).connect() as connection:
                database = "PostgreSQL " + connection.exec_driver_sql("SHOW server_version").scalar().split()[0]
        results = _child("--measure", scale_url, "--requests", str(args.requests), "--pages", args.pages)
        if scale_name != "small":
            results += _child("--pack", scale_url)
        runs[scale_name] = (made, generated, results)
        for r in results:
            if "page" in r:
                counts.setdefault((r["who"], r["page"]), {})[f"{r['partnership']}, {scale_name}"] = r["statements"]
    summary(database, runs)
    changed = {key: seen for key, seen in counts.items() if len({tuple(v) for v in seen.values()}) > 1}
    for (who, page), seen in changed.items():
        print(f"Statement count depends on the data: {page} for a {who}: "
              + "; ".join(f"{'/'.join(map(str, v))} ({where})" for where, v in seen.items()))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
