"""Every dependency lock: a hand-written input (requirements.in) compiled by uv
into the lock beside it (requirements.txt), with every transitive pin and the
hashes of all its files."""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# --universal keeps environment markers instead of resolving for this machine,
# and --generate-hashes records every file of each release: one lock installs on
# Python 3.11 here and on 3.12 (x86_64, glibc 2.34) in the cluster's S2I image.
COMPILE = [
    "pip",
    "compile",
    "--quiet",
    "--universal",
    "--python-version=3.11",
    "--generate-hashes",
    "--custom-compile-command=tox -e lock",
]


@dataclass(frozen=True)
class Lock:
    input: Path  # relative to ROOT
    constraints: tuple[Path, ...] = ()

    @property
    def output(self) -> Path:
        return self.input.with_suffix(".txt")


BACKEND = Lock(Path("apps/backend/requirements.in"))
TESTS = Lock(Path("tests/requirements.in"), (BACKEND.output,))
# In the order they are compiled: each after the locks it is constrained by.
LOCKS = [
    BACKEND,
    TESTS,
    *(
        Lock(Path(f"tests/{suite}/requirements.in"), (BACKEND.output, TESTS.output))
        for suite in ("e2e", "gitops", "reliability", "bench", "mutation", "locks")
    ),
]


def compile_lock(lock: Lock, output: Path, *options: str) -> None:
    """Compile ``lock.input`` into ``output``; the pins already in ``output``
    are kept unless ``options`` ask uv to upgrade them."""
    constraints = [f"--constraint={path}" for path in lock.constraints]
    subprocess.run(
        [
            *(sys.executable, "-m", "uv", *COMPILE, *constraints, *options),
            *(f"--output-file={output}", str(lock.input)),
        ],
        cwd=ROOT,
        check=True,
    )
