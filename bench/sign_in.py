"""Whether sign-in takes as long for an unknown address as for a known one with a wrong password (issue 16): if
not, the time tells an attacker who has an account. Target: the medians within 10% of each other.

It signs in 30 times with each, alternating, through the test client on a fresh SQLite database, with the app's
own (production) Argon2 parameters, and prints both medians and their ratio.

    .venv/bin/python bench/sign_in.py
"""
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.accounts.models import User  # noqa: E402
from tracker.accounts.services import hash_password  # noqa: E402
from tracker.extensions import db  # noqa: E402

ROUNDS = 30


def main():
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "TESTING": True,
                          # attempts are counted as usual; the bench measures the verify, not the delay
                          "LOGIN_MAX_FAILURES": 10 * ROUNDS, "LOGIN_MAX_FAILURES_PER_CLIENT": 10 * ROUNDS})
        with app.app_context():
            upgrade()
            db.session.add(User(name="Bench Person", email="known@example.org",
                                password_hash=hash_password("the right passphrase")))
            db.session.commit()
        client = app.test_client()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          client.get("/sign-in").get_data(as_text=True)).group(1)
        times = {"existing": [], "unknown": []}
        for n in range(ROUNDS + 1):
            for kind, email in (("existing", "known@example.org"), ("unknown", f"nobody{n}@example.org")):
                started = time.perf_counter()
                response = client.post("/sign-in", data={"email": email, "password": "a wrong password",
                                                         "csrf_token": token})
                elapsed = time.perf_counter() - started
                assert response.status_code == 400, response.status_code
                if n:  # the first round warms up (and makes the dummy hash)
                    times[kind].append(elapsed)
        with app.app_context():
            db.engine.dispose()
    existing, unknown = (statistics.median(times[k]) * 1000 for k in ("existing", "unknown"))
    print(f"existing address, wrong password: median {existing:.1f} ms over {ROUNDS}")
    print(f"unknown address:                  median {unknown:.1f} ms over {ROUNDS}")
    print(f"ratio unknown / existing:         {unknown / existing:.3f} (target 0.90 to 1.10)")


if __name__ == "__main__":
    main()
