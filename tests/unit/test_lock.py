"""The lock files agree with pyproject.toml, and every locked file is pinned by its hash.

`make run` installs requirements/run.lock and `make test` requirements/test.lock with
`pip install --require-hashes`; `make lock` regenerates both after pyproject.toml changes. This
test fails when someone edits the dependencies in pyproject.toml and forgets `make lock`.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUN_LOCK = ROOT / "requirements" / "run.lock"
TEST_LOCK = ROOT / "requirements" / "test.lock"
Locks = dict[str, dict[str, tuple[Version, list[str]]]]


def lock_entries(text: str) -> dict[str, tuple[Version, list[str]]]:
    """The pins of a pip-compile lock: name -> (version, hashes)."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
        else:
            logical.append(current + line)
            current = ""
    assert not current, "the lock ends inside a requirement"
    entries: dict[str, tuple[Version, list[str]]] = {}
    for entry in logical:
        words = entry.split()
        hashes = [word.removeprefix("--hash=") for word in words if word.startswith("--hash=")]
        spec = " ".join(word for word in words if not word.startswith("--hash="))
        requirement = Requirement(spec)
        (pin,) = requirement.specifier
        assert pin.operator == "==", f"{spec}: not pinned to one version"
        entries[canonicalize_name(requirement.name)] = (Version(pin.version), hashes)
    return entries


def disagreements(
    requirements: list[str], locked: dict[str, tuple[Version, list[str]]]
) -> list[str]:
    """What in `requirements` (pyproject.toml's strings) the lock does not satisfy."""
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement.name}: not in the lock")
            continue
        version = locked[name][0]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}: locked {version}, pyproject.toml wants {text}")
    return problems


def extras_requirements(requirements: list[str]) -> list[str]:
    """What the extras asked for (e.g. uvicorn[standard]) bring, from the installed metadata."""
    brought = []
    for text in requirements:
        requirement = Requirement(text)
        for extra in requirement.extras:
            for dependency in metadata.requires(requirement.name) or []:
                needed = Requirement(dependency)
                marker = needed.marker
                if (
                    marker is not None
                    and "extra" in str(marker)
                    and marker.evaluate({"extra": extra})
                ):
                    needed.marker = None
                    brought.append(str(needed))
    return brought


def project() -> dict[str, list[str]]:
    table = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"run": table["dependencies"], "test": table["optional-dependencies"]["test"]}


@pytest.fixture(scope="module")
def locks() -> Locks:
    return {
        "run": lock_entries(RUN_LOCK.read_text(encoding="utf-8")),
        "test": lock_entries(TEST_LOCK.read_text(encoding="utf-8")),
    }


def test_the_run_lock_satisfies_the_dependencies(locks: Locks) -> None:
    wanted = project()["run"]
    assert disagreements(wanted + extras_requirements(wanted), locks["run"]) == [], (
        "pyproject.toml and requirements/run.lock disagree: run `make lock`"
    )


def test_the_test_lock_satisfies_the_dependencies_and_the_test_extra(locks: Locks) -> None:
    wanted = project()["run"] + project()["test"]
    assert disagreements(wanted + extras_requirements(wanted), locks["test"]) == [], (
        "pyproject.toml and requirements/test.lock disagree: run `make lock`"
    )


def test_the_test_lock_holds_the_run_lock_at_the_same_versions(locks: Locks) -> None:
    for name, (version, _) in locks["run"].items():
        assert name in locks["test"], f"{name} is in run.lock, not in test.lock"
        assert locks["test"][name][0] == version, f"{name}: run.lock and test.lock differ"


@pytest.mark.parametrize("lock", ["run", "test"])
def test_every_locked_file_is_pinned_by_its_hash(locks: Locks, lock: str) -> None:
    assert locks[lock], f"{lock}.lock is empty"
    for name, (_, hashes) in locks[lock].items():
        assert hashes, f"{name} in {lock}.lock has no --hash"
        assert all(h.startswith("sha256:") and len(h) == len("sha256:") + 64 for h in hashes)
    assert "tvec" not in locks[lock]  # the project itself is installed from the tree


def test_a_lock_that_lags_behind_pyproject_is_caught() -> None:
    lock = lock_entries(
        "fastapi==0.115.0 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via tvec (pyproject.toml)\n"
    )
    assert lock == {"fastapi": (Version("0.115.0"), ["sha256:" + "0" * 64])}
    assert disagreements(["fastapi>=0.115"], lock) == []
    assert disagreements(["FastAPI>=0.116"], lock) == [
        "FastAPI: locked 0.115.0, pyproject.toml wants FastAPI>=0.116"
    ]
    assert disagreements(["pyarrow>=15"], lock) == ["pyarrow: not in the lock"]
    assert disagreements(["pywin32>=300; sys_platform == 'win32'"], lock) == []
