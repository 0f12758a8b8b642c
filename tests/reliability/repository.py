"""Checks over the repository's files: committed credentials, and DEBUG
switched on anywhere but `tox -e dev`."""

import configparser
import math
import re
import subprocess
from collections import Counter
from pathlib import Path

from tests.servers import REPO

SECRET_CHARS = r"[A-Za-z0-9+/=_.~-]"
RULES = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "OpenAI-style API key": re.compile(rf"\bsk-({SECRET_CHARS}{{20,}})"),
    "secret assigned": re.compile(
        r"(?i)[\w.-]*(?:key|secret|password|passwd|token)[\w.-]*[\"']?[ \t]*[:=]"
        rf"[ \t]*[\"']?({SECRET_CHARS}{{16,}})"
    ),
}
# A value made of words, such as a test's "tox-only-secret-key-never-used", a
# variable name (DJANGO_SECRET_KEY) or a dotted name (settings.LLM_MAX_TOKENS),
# is a placeholder or a reference, not a credential.
WORD = re.compile(r"[A-Z]*|[a-z0-9]{0,4}|[A-Za-z][a-z]*(?:[A-Z][a-z]+)*")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    if all(WORD.fullmatch(part) for part in re.split(r"[-_./]", value)):
        return False
    return entropy(value) >= 3.5


def credentials_in(path: Path) -> list[tuple[str, int, str]]:
    """(file, line number, rule) for each credential-like string in a file."""
    data = path.read_bytes()
    if b"\0" in data:
        return []
    found = []
    for number, line in enumerate(data.decode(errors="replace").splitlines(), 1):
        for rule, pattern in RULES.items():
            for match in pattern.finditer(line):
                value = match.group(1) if pattern.groups else None
                if value is None or looks_random(value):
                    found.append((str(path), number, rule))
    return found


def tracked_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [
        REPO / name.decode()
        for name in names
        if name and (REPO / name.decode()).is_file()
    ]


TRUE_DEBUG = re.compile(
    r"""(?:DJANGO_DEBUG|LLM_DEMO)["']?\s*[:=]\s*["']?(?:true|1|yes|on)\b""", re.I
)


def debug_switched_on(tox_ini: Path, other_files: list[Path]) -> list[str]:
    """Where DJANGO_DEBUG or LLM_DEMO is set true, other than in tox's dev
    environment."""
    found = []
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(tox_ini)
    for section in tox.sections():
        if section != "testenv:dev" and TRUE_DEBUG.search(
            tox[section].get("set_env", "")
        ):
            found.append(f"{tox_ini.name} [{section}]")
    found += [str(path) for path in other_files if TRUE_DEBUG.search(path.read_text())]
    return found
