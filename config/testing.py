"""Test settings: real databases (SQLite file, or PostgreSQL via DATABASE_URL), CSRF on, cheap hashing."""
TESTING = True
WTF_CSRF_ENABLED = True
SERVER_NAME = None
# Tests hash many passwords: keep Argon2id but at a cost that keeps the suite fast.
ARGON2_TIME_COST = 1
ARGON2_MEMORY_COST = 1024
ARGON2_PARALLELISM = 1
MAIL_SUPPRESS_SEND = True
