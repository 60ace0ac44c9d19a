"""A Welsh catalogue for tests that read the tracker in Welsh: the strings a test needs, compiled here, so that what
it checks (a Welsh reader's words, dates and files) does not wait on the project's catalogue."""
import io

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations


def use_welsh(monkeypatch, messages):
    """Whatever is rendered in Welsh from now on in the test reads `messages` ({English: Welsh}; a plural as
    {(singular, plural): (forms…)}); anything else stays in English, as an untranslated string does."""
    from flask_babel import Domain, get_locale

    catalog = Catalog(locale="cy")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    welsh = Translations(compiled)
    english = Domain.get_translations

    def get_translations(domain):
        locale = get_locale()
        return welsh if locale is not None and locale.language == "cy" else english(domain)

    monkeypatch.setattr(Domain, "get_translations", get_translations)


def make_welsh(app, person):
    """The person reads the tracker, and their email, in Welsh."""
    from tracker.accounts.models import User
    from tracker.extensions import db

    with app.app_context():
        db.session.get(User, person.id).language = "cy"
        db.session.commit()
