"""What makes a password too easy to guess, beyond its length: the rules the set- and change-password forms apply."""
import re
from functools import cache
from pathlib import Path

from flask_babel import gettext

COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"


@cache
def common_passwords():
    """The shipped list, lower-cased: guessing tools try these first, whatever their capitals."""
    return frozenset(line.strip().lower() for line in COMMON_PASSWORDS.read_text().splitlines() if line.strip())


def _personal_parts(person):
    """The person's email local part and each word of their name: the first things someone who knows them tries."""
    local = person.email.split("@", 1)[0].lower()
    return [part for part in [local, *re.split(r"[\W_]+", person.name.lower())] if len(part) >= 3]


def weakness(password, person):
    """Why this password should be refused for this person, or None."""
    lowered = password.lower()
    if lowered in common_passwords():
        return gettext("Password is one of the most common passwords: choose one that is harder to guess")
    if any(part in lowered for part in _personal_parts(person)):
        return gettext("Password must not contain your name or email address")
    return None
