"""What every template may use: the permission check, the design system's macros, gettext and local dates (from
tracker.i18n)."""
from flask_babel import get_locale, gettext, ngettext
from flask_login import current_user
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from tracker import i18n
from tracker.permissions import can


def error_message(field):
    """GOV.UK Frontend's error beside a field, with its hidden "Error:" prefix in the reader's language."""
    if not field.errors:
        return None
    return {"text": ". ".join(field.errors), "visuallyHiddenText": gettext("Error")}


def _by_plural_rule(message):
    """GOV.UK Frontend's JavaScript picks a message by the CLDR plural rule of its count (Welsh has six): one
    message per rule of the reader's language, message(number) from ngettext with the count left for the script."""
    rule = get_locale().plural_form
    messages = {}
    number = 0
    while len(messages) <= len(rule.tags):  # each explicit rule, and "other"
        messages.setdefault(rule(number), message(number))
        number += 1
    return messages


def character_count_texts():
    """What GOV.UK Frontend's character count says as someone types, in the reader's language."""
    return {
        "textareaDescriptionText": gettext("You can enter up to %{count} characters"),
        "charactersUnderLimitText": _by_plural_rule(lambda n: ngettext(
            "You have %(count)s character remaining", "You have %(count)s characters remaining", n, count="%{count}")),
        "charactersAtLimitText": gettext("You have 0 characters remaining"),
        "charactersOverLimitText": _by_plural_rule(lambda n: ngettext(
            "You have %(count)s character too many", "You have %(count)s characters too many", n, count="%{count}")),
    }


def init_app(app):
    # `{% from "govuk_frontend_jinja/components/…/macro.html" import … %}` reaches the design system's macros
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PrefixLoader({
        "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})])
    app.jinja_env.globals.update(can=lambda verb, obj=None: can(current_user, verb, obj) if obj is not None
                                 else can(current_user, verb), error_message=error_message,
                                 character_count_texts=character_count_texts)
    i18n.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
