"""Entry point for a WSGI server, e.g. `gunicorn wsgi:app`. The scheduler runs as its own process."""
from tracker import create_app

app = create_app()
