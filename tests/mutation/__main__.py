"""`tox -e mutation`: mutmut over the modules that hold the backend's
protections (setup.cfg here), against the in-process backend tests.

mutmut names a mutant by its file's path from the directory it runs in, and
the tests import the backend as `chat` and `config`: so it runs in a work
directory, .mutation/ (not in git), where those packages sit at the top beside
tests/, with setup.cfg from here and a pytest.ini made from tox.ini's [pytest]
section. Each run starts from a fresh work directory. Arguments go to
`mutmut run`: mutant names or patterns ("chat.logging*"), --max-children N.
"""

import configparser
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".mutation"
# What the work directory links to, from the repository's root.
LINKS = {
    "chat": "apps/backend/chat",
    "config": "apps/backend/config",
    "tests": "tests",
    "apps": "apps",
    "setup.cfg": "tests/mutation/setup.cfg",
}
# A line of `mutmut results`: "    chat.logging.x_secret_values__mutmut_3: survived"
RESULT = re.compile(r"^\s*(?P<module>\S+?)\.x[_ǁ]\S*: (?P<status>.+)$", re.MULTILINE)


def write_pytest_ini() -> None:
    """tox.ini's [pytest] section, importing from the mutants' directory only."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.optionxform = str  # DJANGO_SETTINGS_MODULE keeps its case.
    tox.read(ROOT / "tox.ini")
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini["pytest"] = {**tox["pytest"], "pythonpath": "."}
    with (WORK / "pytest.ini").open("w") as file:
        ini.write(file)


def counts_by_module(results: str) -> dict[str, Counter]:
    counts = defaultdict(Counter)
    for match in RESULT.finditer(results):
        counts[match["module"]][match["status"]] += 1
    return dict(sorted(counts.items()))


def main(args: list[str]) -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    for name, target in LINKS.items():
        (WORK / name).symlink_to(ROOT / target)
    write_pytest_ini()
    mutmut = Path(sys.executable).with_name("mutmut")
    run = subprocess.run([mutmut, "run", *args], cwd=WORK, check=False)
    results = subprocess.run(
        [mutmut, "results", "--all", "true"],
        cwd=WORK,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print("\nNot killed:")
    print("\n".join(line for line in results.splitlines() if "killed" not in line))
    print("\nBy module:")
    for module, counts in counts_by_module(results).items():
        print(f"  {module}: {', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
