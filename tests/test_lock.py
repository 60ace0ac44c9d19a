"""The lock file installs what pyproject.toml asks for: a dependency added without `make lock` fails here, not on
a new machine that installs with --require-hashes."""
import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tracker import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)")


def _locked():
    """name -> (version, number of hashes), read from requirements.lock."""
    locked, current = {}, None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pinned = PIN.match(line)
        if pinned:
            current = canonicalize_name(pinned.group(1))
            locked[current] = [pinned.group(2), 0]
        elif line.strip().startswith("--hash=sha256:") and current:
            locked[current][1] += 1
    return locked


def _wanted():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in project["dependencies"] + extras]


def test_every_dependency_is_locked_at_a_release_it_accepts():
    locked = _locked()
    for requirement in _wanted():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock: run `make lock`"
        version, _hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), \
            f"requirements.lock pins {requirement.name}=={version}, outside {requirement.specifier}: run `make lock`"


def test_every_locked_release_carries_its_hash():
    locked = _locked()
    assert len(locked) >= len(_wanted())
    unhashed = [name for name, (_version, hashes) in locked.items() if hashes == 0]
    assert unhashed == []
