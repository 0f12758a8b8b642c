"""Where the time goes: py-spy's collapsed stacks (sampled only while a thread
holds the GIL, so idle waits are left out) summed up by function and by
package."""

import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _package(path: str) -> str:
    """py-spy writes paths relative to sys.path: the first part names the
    package; a bare file name is a module of the standard library or a
    top-level one."""
    return path.split("/", 1)[0].removesuffix(".py")


def _name(frame: str) -> str:
    match = FRAME.match(frame)
    return f"{match['function']} ({match['file']})" if match else frame


def summarise(path: Path, top: int = 15) -> dict:
    """Shares of the samples: by leaf function (self), by function anywhere on
    the stack (inclusive) and by the package of the leaf."""
    own, inclusive, packages = Counter(), Counter(), Counter()
    busy = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        weight = int(count)
        busy += weight
        own[_name(frames[-1])] += weight
        for name in {_name(frame) for frame in frames}:
            inclusive[name] += weight
        match = FRAME.match(frames[-1])
        packages[_package(match["file"] if match else frames[-1])] += weight

    def shares(counter: Counter) -> list:
        return [
            [name, round(n / max(1, busy), 3)] for name, n in counter.most_common(top)
        ]

    return {
        "samples": busy,
        "self": shares(own),
        "inclusive": shares(inclusive),
        "packages": shares(packages),
    }
