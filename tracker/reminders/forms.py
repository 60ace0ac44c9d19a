from wtforms import BooleanField, IntegerField, RadioField, StringField

from tracker.enums import DigestFrequency, HandoffFrequency
from tracker.forms import Form, options


class PolicyForm(Form):
    days_before = StringField("Days before the deadline", description="Separated by commas, for example 28, 7, 1.")
    on_the_day = BooleanField("Remind on the day of the deadline")
    overdue_every_days = IntegerField("While overdue, remind every", description="Number of days.",
                                      render_kw={"inputmode": "numeric", "style": "max-width:6em"})
    escalate_to_lead_after = IntegerField(
        "Tell the lead agency's agency lead after", description="Days overdue.",
        render_kw={"inputmode": "numeric", "style": "max-width:6em"})
    escalate_to_strategic_after = IntegerField(
        "Tell the lead agency's strategic group member after", description="Days overdue.",
        render_kw={"inputmode": "numeric", "style": "max-width:6em"})


class PreferencesForm(Form):
    upcoming_frequency = RadioField(
        "Emails about upcoming deadlines", choices=options(DigestFrequency.choices()),
        description="Overdue notices and escalations always come on the day: they cannot be switched off.")
    handoff_frequency = RadioField(
        "Emails when something is passed to you", choices=options(HandoffFrequency.choices()),
        description="A closure to sign off, a deadline move to approve or its answer, a refused closure, a "
                    "response due from a national body.")
