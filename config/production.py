"""Production: everything secret or site-specific comes from the environment. tracker.check_secrets refuses to start
without a secret key of our own, without the public address that links in emails are built from, or without
DATABASE_URL."""
import os

SECRET_KEY = os.environ.get("SECRET_KEY")
SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
TRACKER_BASE_URL = os.environ.get("TRACKER_BASE_URL", "")
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True
HSTS_ENABLED = True
MAIL_SUPPRESS_SEND = False
