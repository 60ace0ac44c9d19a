"""Domain validation that services raise and views show beside the fields."""


class ValidationFailed(Exception):
    """Input a rule refused: {field name: message}. Nothing has been saved."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def show_on_form(form, failure):
    """Put a service's refusal beside the matching fields (or at the top when no field matches)."""
    for name, message in failure.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)
