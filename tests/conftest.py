"""Fixtures: one real database for the run (SQLite file, or PostgreSQL when DATABASE_URL is set), migrated with
Alembic exactly as production is; every test starts from empty tables."""
import os
import re
from html import unescape

import pyotp
import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask_migrate import upgrade
from hypothesis import settings

from tests import factories
from tracker import create_app
from tracker.extensions import db

# Property tests stay bounded in CI (ENGINEERING.md) and derandomised, so that a run is the same run every time;
# HYPOTHESIS_PROFILE=dev explores further, with new examples each time. CI keeps no example database: a failure
# hypothesis finds becomes an explicit @example in the test instead.
settings.register_profile("ci", max_examples=60, deadline=None, database=None, derandomize=True)
settings.register_profile("dev", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PASSWORD = factories.PASSWORD


def _database_url(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tracker-test.sqlite3'}"


def _testing_config(url, **overrides):
    import runpy

    from tracker import ROOT

    config = {k: v for k, v in runpy.run_path(str(ROOT / "config" / "testing.py")).items() if k.isupper()}
    if url.startswith("postgres"):
        # a commit that waits for its WAL on disk proves nothing a test asks (only a crash of the server itself
        # could lose it) and cost the PostgreSQL run minutes: tests commit after nearly every step
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                               "connect_args": {"options": "-c synchronous_commit=off"}}
    config.update(SQLALCHEMY_DATABASE_URI=url, **overrides)
    return config


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if url.startswith("postgres"):
        engine = sa.create_engine("postgresql+psycopg://" + url.split("://", 1)[1])
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def app(database_url):
    app = _test_app(database_url)
    with app.app_context():
        upgrade()
    return app


def _test_app(url, **overrides):
    """The application as configured for tests. On SQLite a commit does not wait for the disk: the tests ask
    nothing of a power cut, and the waits for fsync kept a core idle in the suite's runs."""
    made = create_app(_testing_config(url, **overrides))
    with made.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        engine.dispose()
        sa.event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
    return made


@pytest.fixture
def make_app(app, database_url):
    """Another application on the same database, with different settings (e.g. a test SMTP server)."""

    made = []

    def make(**overrides):
        made.append(_test_app(database_url, **overrides))
        return made[-1]

    yield make
    for other in made:  # close its pooled connections now, not whenever the garbage collector runs
        with other.app_context():
            db.engine.dispose()


#: each table's id sequence that has given out a value since it was last restarted
MOVED_SEQUENCES = sa.text("""
    SELECT s.sequencename FROM pg_sequences s
    JOIN pg_class c ON c.relname = s.sequencename AND c.relkind = 'S'
    JOIN pg_depend d ON d.objid = c.oid AND d.deptype IN ('a', 'i') AND d.refclassid = 'pg_class'::regclass
    WHERE s.schemaname = current_schema() AND c.relnamespace = current_schema()::regnamespace
      AND s.last_value IS NOT NULL""")


@pytest.fixture(autouse=True)
def _empty_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        analysed = []
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # only the tables holding rows are emptied, children first, and only the id sequences that moved
                # (a rolled-back insert leaves no row but the next id) start again at 1. TRUNCATE, which makes
                # each table's files anew, cost 0.2 s a test: six minutes of the run
                holding = sa.union_all(*(sa.select(sa.literal(t.name)).where(sa.exists().select_from(t))
                                         for t in tables))
                written = set(connection.execute(holding).scalars())
                for table in tables:
                    if table.name in written:
                        connection.execute(table.delete())
                for sequence in connection.execute(MOVED_SEQUENCES).scalars():
                    connection.execute(sa.select(sa.func.setval(sequence, 1, False)))
            else:
                for table in tables:
                    connection.execute(table.delete())
                # the morning run's statistics describe the rows just deleted: the next test starts without them
                analysed = connection.execute(sa.text(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'")).scalars().all()
                for name in analysed:
                    connection.execute(sa.text(f"DROP TABLE {name}"))
        if analysed:  # a connection forgets statistics it has loaded only when it opens afresh
            db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context with a clean session, for calling services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def make(app):
    """Factories for domain records (see tests/factories.py)."""
    factories.APP = app
    return factories


class Browser:
    """A test client that behaves like a person at a browser: reads the CSRF token from the page."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        self._no_outer_context()
        return self._finished(self.client.get(url, **kwargs))

    @staticmethod
    def _finished(response):
        # read a streamed body whole and close it, so its request context ends as a browser's would
        response.get_data()
        response.close()
        return response

    @staticmethod
    def _no_outer_context():
        # A request inside the test's app context would share its `g` and session: not what production does.
        assert not has_app_context(), "make requests outside `ctx` (an app context leaks into requests)"

    def csrf_token(self, url="/sign-in"):
        page = self.client.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url, data=None, form_url=None, **kwargs):
        self._no_outer_context()
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(form_url or url))
        return self._finished(self.client.post(url, data=data, **kwargs))

    def upload(self, url, data, form_url=None):
        """A multipart POST; the test client spools large bodies to a temporary file, closed here."""
        from werkzeug.test import EnvironBuilder

        self._no_outer_context()
        data = dict(data)
        data.setdefault("csrf_token", self.csrf_token(form_url or url))
        environ = EnvironBuilder(path=url, method="POST", data=data, content_type="multipart/form-data").get_environ()
        try:
            return self._finished(self.client.open(environ))
        finally:
            environ["wsgi.input"].close()

    def sign_in(self, email, password=PASSWORD):
        """Sign in through the real forms: the password, then, for a person with two-factor sign-in, the code
        their app would show. A person whose role needs a second factor and who has none sets one up, as the
        tracker makes them. Returns the password's answer."""
        token = self.csrf_token("/sign-in")  # the same session carries on to the code step
        response = self.post("/sign-in", {"email": email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        location = response.headers["Location"]
        if location.startswith("/sign-in/code"):
            entered = self.post(location, {"code": authenticator_code(self.client.application, email),
                                           "csrf_token": token})
            assert entered.status_code == 302, entered.get_data(as_text=True)[:2000]
        elif location == "/account/two-factor/set-up":
            self.set_up_two_factor()
        return response

    def set_up_two_factor(self):
        """Set up two-factor sign-in as a person would: the key read from the page, the app's code typed in.
        Returns the recovery codes shown."""
        page = self.get("/account/two-factor/set-up").get_data(as_text=True)
        secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        shown = self.post("/account/two-factor/set-up", {"code": pyotp.TOTP(secret).now(), "csrf_token": token})
        codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.get_data(as_text=True))
        assert shown.status_code == 200 and len(codes) == 10, text(shown)[:2000]
        return codes


def authenticator_code(app, email):
    """The code the person's authenticator app shows, for a 30-second step the tracker has not yet seen used.

    The tracker accepts the step before now, now and the next one, and never a step twice. This takes now or the
    next step (the step before could be too old by the time the request arrives, if a step ends meanwhile)."""
    from tracker.accounts.models import User
    from tracker.db import utcnow

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        totp = pyotp.TOTP(user.totp_secret)
        now = totp.timecode(utcnow())
        unused = [step for step in (now, now + 1) if user.totp_last_step is None or step > user.totp_last_step]
        if not unused:
            # A test signs the same person in more often than anyone can, a new code every 30 seconds: stand in for
            # the wait by putting their last code back a step, so that the replay check still sees a fresh one.
            db.session.execute(sa.update(User).where(User.id == user.id).values(totp_last_step=now - 1))
            db.session.commit()
            unused = [now]
        code = totp.generate_otp(unused[0])
        db.session.remove()
    return code


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def as_user(app):
    """as_user(user) -> a Browser signed in as that person through the real form."""

    def sign_in(user):
        person = Browser(app.test_client())
        person.sign_in(user.email)
        return person

    return sign_in


def text(response):
    """A page's visible text with tags removed and white space folded, for assertions on what people read."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class SMTPInbox:
    """What a real SMTP server (aiosmtpd, on a free local port) received. `refuse` makes it answer 451; `reject`
    holds addresses it refuses for good (550); `hang` is seconds it waits before answering DATA (then 451, keeping
    nothing); with `hold_after` = n it signals `held` once it has the n-th message and answers only on `release`."""

    def __init__(self):
        import threading

        self.messages = []
        self.refuse = False
        self.reject = set()
        self.hang = 0
        self.hold_after = None
        self.held, self.release = threading.Event(), threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.hang:
            await asyncio.sleep(self.hang)
            return "451 Requested action aborted: local problem in processing"
        if self.refuse:
            return "451 Requested action aborted: try again later"
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        if len(self.messages) == self.hold_after:
            self.held.set()  # the message is ours; the sender has not heard so yet
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        """The server goes down (an aiosmtpd controller cannot restart, so start() makes a new one)."""
        self.release.set()
        self.controller.stop()


@pytest.fixture
def smtp_server():
    import socket

    inbox = SMTPInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    inbox.start()
    yield inbox
    inbox.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    """The application sending through the test's SMTP server."""
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False,
                    TRACKER_BASE_URL="https://tracker.example.gov.uk")


@pytest.fixture
def fresh(database_url, tmp_path):
    """fresh(name) -> a new, empty database of the test's own beside the session's, dropped after the test."""
    from tests.databases import FreshDatabases  # it reads this module

    databases = FreshDatabases(database_url, tmp_path)
    yield databases
    databases.drop_all()
