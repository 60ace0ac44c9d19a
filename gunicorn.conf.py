"""gunicorn's settings for serving the tracker: `gunicorn -c gunicorn.conf.py wsgi:app` (README, "Production").
Options given on the command line win over these."""
import gc
import multiprocessing
import os

wsgi_app = "wsgi:app"
# The usual starting point for sync workers, 2 × cores + 1; WEB_CONCURRENCY sets it where the host's cores are
# not the tracker's to take.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Each worker loads the app itself: nothing made at start-up (a database connection above all) is shared between
# workers by a fork. The scheduler is never in these processes: it runs as `flask tracker scheduler`.
preload_app = False
# Deploys start and stop processes; a socket that changes workers at run time (gunicorn 25.1 and later) is one more
# way in, and two servers on one host would both claim its default path.
control_socket_disable = True


def post_worker_init(worker):
    """Once the worker has forked and loaded the app, move what start-up made (modules, templates, mappers) out
    of the collector's reach: every full collection would otherwise walk it again, for as long as the worker lives.
    The last of gunicorn's hooks to run after the fork; `post_fork` runs before the app is loaded."""
    gc.collect()
    gc.freeze()
