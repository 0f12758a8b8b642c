"""The bootstrap scripts run on bash 3.2, macOS's /bin/bash.

No bash older than 5.2 can be installed here (Debian, PyPI and npm ship none),
so the constructs that bash 3.2 lacks, or runs differently under `set -u`, are
looked for in the text. Each pattern has a planted line that it must catch.
"""

import re

import pytest

from tests.gitops.manifests import REPO

SCRIPTS = sorted((REPO / "bootstrap").rglob("*.sh"))
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# (what bash 3.2 does with it, pattern, a line it must catch)
PITFALLS = [
    (
        'arrays: "${a[@]}" of an empty array is an unbound variable under set -u '
        "before bash 4.4",
        rf"\$\{{[#!]?{NAME}\[[@*]\]",
        'oc get secret "$name" "${ns_args[@]}"',
    ),
    ("arrays assigned", rf"(^|[\s;])(local\s+|declare\s+)?{NAME}\+?=\(", "args=()"),
    (
        "declare -a/-A: arrays; -A needs bash 4.0",
        r"\b(declare|local|typeset)\s+-[a-zA-Z]*[aA]",
        "declare -A seen",
    ),
    (
        "namerefs (declare -n), bash 4.3",
        r"\b(declare|local|typeset)\s+-[a-zA-Z]*n\b",
        "local -n ref=$1",
    ),
    (
        "global declare -g, bash 4.2",
        r"\b(declare|local|typeset)\s+-[a-zA-Z]*g\b",
        "declare -g X=1",
    ),
    ("mapfile/readarray, bash 4.0", r"\b(mapfile|readarray)\b", "mapfile -t lines < f"),
    (
        "case conversion ${x,,} ${x^^}, bash 4.0",
        rf"\$\{{{NAME}(\[[^]]*\])?(,,?|\^\^?)",
        'echo "${x,,}"',
    ),
    (
        "parameter transformation ${x@Q}, bash 4.4",
        rf"\$\{{{NAME}@[A-Za-z]\}}",
        'echo "${x@Q}"',
    ),
    (
        "negative substring offset or length, bash 4.2",
        rf"\$\{{{NAME}:(\s+|\()-\d|\$\{{{NAME}:\w+:\s*\(?-\d",
        'echo "${x: -1}"',
    ),
    ("&>> append, bash 4.0", r"&>>", "oc apply &>> log"),
    ("|& pipe of stderr, bash 4.0", r"\|&", "oc apply |& tee log"),
    ("coproc, bash 4.0", r"\bcoproc\b", "coproc oc get pods"),
    ("wait -n, bash 4.3", r"\bwait\s+-n\b", "wait -n"),
    ("-v test of a set variable, bash 4.2", r"(\[\[?|\btest)\s+-v\b", "[[ -v REPO ]]"),
    ("case fall-through ;& and ;;&, bash 4.0", r";;&|;&", "  a) x ;&"),
    (
        "brace expansion with a step, bash 4.0",
        r"\{\w+\.\.\w+\.\.\d+\}",
        "for i in {1..9..2}; do",
    ),
    (
        "automatic file descriptors exec {fd}>, bash 4.1",
        rf"\{{{NAME}\}}[<>]",
        "exec {fd}>log",
    ),
    ("printf %(...)T, bash 4.2", r"%\([^)]*\)T", "printf '%(%F)T'"),
    (
        "globstar and other bash-4 shopt options",
        r"shopt\s+-s\s+(globstar|lastpipe|autocd|direxpand|checkjobs|compat4\d|inherit_errexit|localvar_\w+)",
        "shopt -s globstar",
    ),
    (
        "variables new in bash 4 or 5",
        r"\$\{?(BASHPID|EPOCHSECONDS|EPOCHREALTIME|BASH_ARGV0|SRANDOM)\b",
        "echo $EPOCHSECONDS",
    ),
    (
        "read -i and fractional read -t, bash 4.0",
        r"\bread\b[^|;]*\s-(i|t\s*\d*\.\d)",
        "read -t 0.5 x",
    ),
]


def _code_lines(path):
    """The lines of a script that are not comments, with their numbers."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.lstrip().startswith("#"):
            yield number, line


def bash4_constructs(path, name=None):
    return [
        f"{name or path.relative_to(REPO)}:{number}: {what}: {line.strip()}"
        for number, line in _code_lines(path)
        for what, pattern, _ in PITFALLS
        if re.search(pattern, line)
    ]


def test_there_are_scripts_to_check():
    assert {p.name for p in SCRIPTS} >= {"install.sh", "sandbox.sh", "common.sh"}


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_the_scripts_use_nothing_that_bash_3_2_lacks(path):
    assert bash4_constructs(path) == []


@pytest.mark.parametrize(
    "what, pattern, planted", PITFALLS, ids=[p[2] for p in PITFALLS]
)
def test_each_pitfall_is_caught_in_a_planted_line(tmp_path, what, pattern, planted):
    script = tmp_path / "bad.sh"
    script.write_text(f"set -u\n# {planted}\n{planted}\n")
    found = [line for line in bash4_constructs(script, "bad.sh") if what in line]
    assert found == [f"bad.sh:3: {what}: {planted.strip()}"]


@pytest.mark.parametrize(
    "line",
    [
        "oc get pm x -o 'jsonpath={.status.channels[*].name}'",
        "POLL_SECONDS=${BOOTSTRAP_POLL_SECONDS:-10}",
        'ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)',
        "local repo=${REPO:-$(git_source_value url)}",
    ],
)
def test_what_bash_3_2_has_is_not_taken_for_a_pitfall(line):
    assert [w for w, p, _ in PITFALLS if re.search(p, line)] == []
