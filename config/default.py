"""Public, safe defaults for a developer's machine: an embedded SQLite database under instance/.

Every value here may be overridden by config/production.py or by the environment variables it reads.
"""
import os
from datetime import timedelta

# Public, so anyone could forge a session with it: the app warns when it runs on it, and production refuses it.
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"  # nosec B105
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")  # empty: instance/tracker.sqlite3
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
# PostgreSQL's memory for each sort and grouping of a statement (its work_mem), set on the app's connections; None
# leaves the server's. At the server's usual 4 MB the progress report grouped the largest partnership's 100,000
# actions by sorting them on disk (434 ms for that statement, 156 ms in memory). Options the deployment passes in
# SQLALCHEMY_ENGINE_OPTIONS' connect_args come after it, and win.
POSTGRESQL_WORK_MEM = "16MB"

TRACKER_BASE_URL = os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000")
TRACKER_PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"

# Sessions: idle and absolute limits, enforced on every request.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
# Strict-Transport-Security: only where the site is served over HTTPS (production).
HSTS_ENABLED = False

# Sign-in throttling: after this many failures for one address within the window (or LOGIN_MAX_FAILURES_PER_CLIENT
# from one client address), each further attempt waits 1, 2, 4… seconds after the last failure, up to LOGIN_LOCKOUT.
LOGIN_MAX_FAILURES = 5
LOGIN_MAX_FAILURES_PER_CLIENT = 20
LOGIN_LOCKOUT = timedelta(minutes=15)
LOGIN_FAILURE_WINDOW = timedelta(hours=24)
# Reset links: at most this many requests for one address, and from one client address, within the window.
PASSWORD_RESETS_PER_ADDRESS = 3
PASSWORD_RESETS_PER_CLIENT = 10
PASSWORD_RESET_WINDOW = timedelta(hours=1)

PASSWORD_RESET_LIFETIME = timedelta(minutes=60)
INVITATION_LIFETIME = timedelta(days=7)
PASSWORD_MIN_LENGTH = 12
# Two-factor sign-in: the name authenticator apps show beside the code; a code step waits this long after the password.
TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "DA Action Tracker")
TWO_FACTOR_PENDING_LIFETIME = timedelta(minutes=5)

# Argon2id at RFC 9106's second recommended setting (above OWASP's minimum of 19 MiB, t=2, p=1).
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST = 65536
ARGON2_PARALLELISM = 4

MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "") == "1"
MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tracker@localhost")
MAIL_TIMEOUT_SECONDS = 20
# After the fast retries, a message whose relay fails for a passing reason is retried hourly for this long.
MAIL_RETRY_FOR_HOURS = 72
# On a developer's machine there is usually no SMTP server: messages stay in the outbox, visible in the log.
MAIL_SUPPRESS_SEND = os.environ.get("MAIL_SUPPRESS_SEND", "1") == "1"

ITEMS_PER_PAGE = 25

# The audit log's record of who viewed a confidential review is kept this long, then deleted by the daily run;
# records of changes are kept for good.
AUDIT_VIEW_RETENTION_DAYS = 365

# Uploads: the largest evidence file and imported file; a request to a page that takes no file carries at most
# FORM_MAX_BYTES, and no request more than MAX_CONTENT_LENGTH (tracker/uploads.py).
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
MAX_CONTENT_LENGTH = 25 * 1024 * 1024
IMPORT_MAX_BYTES = 2 * 1024 * 1024
# A benchmark's JSON is a few KB; parsed JSON takes many times its size in memory.
BENCHMARK_JSON_MAX_BYTES = 512 * 1024
FORM_MAX_BYTES = 1024 * 1024

# Behind a reverse proxy, how many proxies to trust for the client's address (sign-in throttling keys on it).
PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
