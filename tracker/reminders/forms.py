from flask_babel import lazy_gettext
from wtforms import BooleanField, IntegerField, RadioField, StringField

from tracker.enums import DigestFrequency, HandoffFrequency
from tracker.forms import Form, options


class PolicyForm(Form):
    days_before = StringField(lazy_gettext("Days before the deadline"),
                              description=lazy_gettext("Separated by commas, for example 28, 7, 1."))
    on_the_day = BooleanField(lazy_gettext("Remind on the day of the deadline"))
    overdue_every_days = IntegerField(lazy_gettext("While overdue, remind every"),
                                      description=lazy_gettext("Number of days."),
                                      render_kw={"inputmode": "numeric", "style": "max-width:6em"})
    escalate_to_lead_after = IntegerField(
        lazy_gettext("Tell the lead agency's agency lead after"), description=lazy_gettext("Days overdue."),
        render_kw={"inputmode": "numeric", "style": "max-width:6em"})
    escalate_to_strategic_after = IntegerField(
        lazy_gettext("Tell the lead agency's strategic group member after"), description=lazy_gettext("Days overdue."),
        render_kw={"inputmode": "numeric", "style": "max-width:6em"})


class PreferencesForm(Form):
    upcoming_frequency = RadioField(
        lazy_gettext("Emails about upcoming deadlines"), choices=options(DigestFrequency.choices()),
        description=lazy_gettext("Overdue notices and escalations always come on the day: they cannot be switched "
                                 "off."))
    handoff_frequency = RadioField(
        lazy_gettext("Emails when something is passed to you"), choices=options(HandoffFrequency.choices()),
        description=lazy_gettext("A closure to sign off, a deadline move to approve or its answer, a refused "
                                 "closure, a response due from a national body."))
