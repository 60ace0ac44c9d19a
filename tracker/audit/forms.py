"""The audit log's filters: a GET form, so that a filtered log has an address to share, page through and download."""
from flask_babel import gettext, lazy_gettext
from wtforms import SelectField

from tracker.audit.reading import NO_PARTNERSHIP, SYSTEM, LogFilters
from tracker.forms import Form, UKDateField, options


class LogFilterForm(Form):
    class Meta:
        csrf = False

    partnership = SelectField(lazy_gettext("Partnership"), choices=[])
    person = SelectField(lazy_gettext("Person"), choices=[])
    record = SelectField(lazy_gettext("Kind of record"), choices=[])
    review = SelectField(lazy_gettext("Review"), choices=[])
    since = UKDateField(lazy_gettext("From"), description=lazy_gettext("For example, 1 11 2026"),
                        message=lazy_gettext("The ‘From’ date must be a real date, for example 1 11 2026"))
    until = UKDateField(lazy_gettext("To"), description=lazy_gettext("For example, 30 11 2026"),
                        message=lazy_gettext("The ‘To’ date must be a real date, for example 30 11 2026"))

    def selects(self, with_partnership):
        """The chosen-from filters a page offers, in order; a partnership's own log has no partnership filter."""
        return [self.partnership] * with_partnership + [self.person, self.record, self.review]

    def offer(self, people, kinds, reviews, partnerships=None):
        """Set the choices: (id, name) people, (kind, label) kinds, (id, reference) reviews and, for the log of
        the whole tracker, (id, name) partnerships."""
        self.person.choices = options([*[(str(i), name) for i, name in people],
                                       (SYSTEM, gettext("The system (scheduled and automatic changes)"))],
                                      blank=gettext("Anyone"))
        self.record.choices = options(kinds, blank=gettext("Any kind of record"))
        self.review.choices = options([(str(i), reference) for i, reference in reviews], blank=gettext("Any review"))
        self.partnership.choices = options([(NO_PARTNERSHIP, gettext("No partnership (accounts)")),
                                            *[(str(i), name) for i, name in (partnerships or [])]],
                                           blank=gettext("Any partnership"))

    def filters(self, partnership=None):
        """The filters chosen, once validated. A choice not offered (an old link, an edited address) is ignored
        rather than refused: the log is still shown, without that filter. A date that is not a date, or a range
        that ends before it starts, is an error beside its field; is_valid says whether there is one."""
        self.validate()
        for field in (self.partnership, self.person, self.record, self.review):
            if field.errors:
                field.errors, field.data = [], ""
        if not self.since.errors and not self.until.errors and self.since.data and self.until.data \
                and self.until.data < self.since.data:
            self.until.errors = [gettext("The ‘To’ date must be the same as or after the ‘From’ date")]
        if partnership is not None:  # a partnership's own log: the partnership is in its address
            self.partnership.data = ""
        chosen = self.partnership.data or None
        return LogFilters(
            partnership=partnership if partnership is not None else (
                chosen if chosen in (None, NO_PARTNERSHIP) else int(chosen)),
            person=_id_or(self.person.data, SYSTEM),
            kind=self.record.data or None,
            since=None if self.since.errors else self.since.data,
            until=None if self.until.errors else self.until.data,
            review_id=_id_or(self.review.data),
        )

    @property
    def is_valid(self):
        return not (self.since.errors or self.until.errors)

    def args(self):
        """The chosen filters as query arguments, for page links and the download."""
        chosen = {field.name: field.data for field in (self.partnership, self.person, self.record, self.review)}
        typed = {field.name: field.raw_data[0].strip() for field in (self.since, self.until)
                 if field.raw_data and not field.errors}
        return {name: value for name, value in {**chosen, **typed}.items() if value}


def _id_or(value, *words):
    if not value:
        return None
    return value if value in words else int(value)
