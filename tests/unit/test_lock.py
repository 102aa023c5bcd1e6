"""requirements.lock is the environment `make install` builds: it must hold every pin of pyproject.toml."""
from __future__ import annotations

import re
import tomllib

from support import REPO


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^;\s]+)", requirement.strip())
        assert match, f"{requirement!r}: pin dependencies exactly (name==version) so the lock can hold them"
        pins[_norm(match[1])] = match[2]
    return pins


def _locked() -> dict[str, str]:
    text = (REPO / "requirements.lock").read_text()
    return {_norm(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)}


def test_every_pin_of_pyproject_is_locked_at_the_same_version():
    locked = _locked()
    drift = {name: (pin, locked.get(name)) for name, pin in _pins().items() if locked.get(name) != pin}
    assert not drift, f"requirements.lock is out of date (pyproject pin, locked): {drift}; run `make lock`"


def test_every_locked_package_carries_hashes():
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (REPO / "requirements.lock").read_text())
    unhashed = [b.split("==")[0] for b in blocks if "==" in b.split("\n")[0] and "--hash=sha256:" not in b]
    assert not unhashed, f"locked without hashes: {unhashed}"
