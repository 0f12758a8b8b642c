"""Each lock is what its input compiles to, and a package has one version in
every lock."""

import difflib
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from tests.locks.locks import BACKEND, LOCKS, ROOT, Lock, compile_lock

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def recompiled_diff(lock: Lock, tmp_path: Path) -> str:
    """Recompile ``lock`` without upgrading anything: the diff to the committed
    lock, empty when it still matches its input."""
    committed = (ROOT / lock.output).read_text()
    compiled = tmp_path / "requirements.txt"
    compiled.write_text(committed)
    compile_lock(lock, compiled)
    return "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            compiled.read_text().splitlines(keepends=True),
            str(lock.output),
            "recompiled",
        )
    )


def pins(text: str) -> dict[str, str]:
    return {name.lower(): version for name, version in PIN.findall(text)}


def versions_that_differ(locks: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """The packages pinned at more than one version: name, version, locks."""
    seen = defaultdict(lambda: defaultdict(list))
    for name, text in locks.items():
        for package, version in pins(text).items():
            seen[package][version].append(name)
    return {package: dict(v) for package, v in seen.items() if len(v) > 1}


@pytest.mark.parametrize("lock", LOCKS, ids=lambda lock: str(lock.output))
def test_lock_matches_its_input(lock, tmp_path):
    diff = recompiled_diff(lock, tmp_path)

    assert diff == "", f"{lock.output} is stale: run `tox -e lock`\n{diff}"


def test_an_input_changed_without_its_lock_is_found(tmp_path):
    edited = Lock(tmp_path / "edited" / "requirements.in")
    edited.input.parent.mkdir()
    text = (ROOT / BACKEND.input).read_text()
    edited.input.write_text(text.replace("servestatic==", "# servestatic=="))
    shutil.copy(ROOT / BACKEND.output, edited.output)
    version = pins(edited.output.read_text())["servestatic"]

    diff = recompiled_diff(edited, tmp_path)

    assert f"\n-servestatic=={version} \\\n" in diff


def test_a_package_has_one_version_in_every_lock():
    locks = {str(lock.output): (ROOT / lock.output).read_text() for lock in LOCKS}

    assert versions_that_differ(locks) == {}


def test_two_versions_of_a_package_are_found():
    locks = {
        "a.txt": "six==1.17.0 \\\n    --hash=sha256:aa\nidna==3.20 \\\n",
        "b.txt": "Six==1.16.0 ; python_version < '3.12' \\\nidna==3.20\n",
    }

    assert versions_that_differ(locks) == {
        "six": {"1.17.0": ["a.txt"], "1.16.0": ["b.txt"]}
    }
