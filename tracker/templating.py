"""What every template may use: the permission check, local dates, labels."""
from zoneinfo import ZoneInfo

from flask_login import current_user
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from tracker.permissions import can

LONDON = ZoneInfo("Europe/London")


def local_datetime(value):
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime("%-d %B %Y, %H:%M")


def long_date(value):
    return "" if value is None else value.strftime("%-d %B %Y")


def init_app(app):
    # `{% from "govuk_frontend_jinja/components/…/macro.html" import … %}` reaches the design system's macros
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PrefixLoader({
        "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})])
    app.jinja_env.globals.update(can=lambda verb, obj=None: can(current_user, verb, obj) if obj is not None
                                 else can(current_user, verb))
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
