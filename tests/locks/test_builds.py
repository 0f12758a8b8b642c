"""The builds install the locks and nothing else.

The Python S2I builder (sclorg/s2i-python-container, 3.12/s2i/bin/assemble)
runs `pip install -r requirements.txt`: pip checks hashes by itself when every
line has them. It installs outside the lock only when told to by
.s2i/environment (UPGRADE_PIP_TO_LATEST, ENABLE_PIPENV, ENABLE_MICROPIPENV) or
when the context holds a setup.py, setup.cfg or pyproject.toml (`pip install .`).
"""

import re
import subprocess
import sys

from tests.locks.locks import BACKEND, ROOT

BACKEND_DIR = ROOT / BACKEND.output.parent
# The cluster's builder: CPython 3.12 on UBI 9 (glibc 2.34), x86_64.
CLUSTER_PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(34, 4, -1)] + [
    f"manylinux{year}_x86_64" for year in ("2014", "2010", "1")
]
UNLOCKED_SETTINGS = ("UPGRADE_PIP_TO_LATEST", "ENABLE_PIPENV", "ENABLE_MICROPIPENV")
UNLOCKED_FILES = ("setup.py", "setup.cfg", "pyproject.toml", "Pipfile")
NPM_COMMAND = re.compile(r"\bnpm(?:[ \t]+--prefix[ \t]+\S+)?[ \t]+([a-z-]+)")


def cluster_download(requirements, dest):
    """What the cluster's pip would fetch for ``requirements``: wheels only, so
    no unhashed build dependency can slip in."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet"),
            *("--only-binary=:all:", "--implementation=cp", "--abi=cp312"),
            "--python-version=3.12",
            *(f"--platform={platform}" for platform in CLUSTER_PLATFORMS),
            *(f"--dest={dest}", f"--requirement={requirements}"),
        ],
        capture_output=True,
        text=True,
    )


def unlocked_installs(app_dir):
    """What would make the S2I build install something that is not in the lock."""
    environment = (app_dir / ".s2i" / "environment").read_text().splitlines()
    settings = {line.split("=", 1)[0].strip() for line in environment if "=" in line}
    return sorted(settings.intersection(UNLOCKED_SETTINGS)) + [
        name for name in UNLOCKED_FILES if (app_dir / name).exists()
    ]


def npm_commands(text):
    return set(NPM_COMMAND.findall(text))


def test_the_cluster_gets_a_hashed_wheel_for_every_backend_pin(tmp_path):
    result = cluster_download(ROOT / BACKEND.output, tmp_path)

    assert result.returncode == 0, result.stderr


def test_a_file_whose_hash_is_not_in_the_lock_fails_the_download(tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_text(f"six==1.17.0 --hash=sha256:{'0' * 64}\n")

    result = cluster_download(lock, tmp_path)

    assert result.returncode == 1
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr


def test_the_s2i_build_installs_the_lock_only():
    assert unlocked_installs(BACKEND_DIR) == []


def test_settings_and_files_that_install_outside_the_lock_are_found(tmp_path):
    (tmp_path / ".s2i").mkdir()
    (tmp_path / ".s2i" / "environment").write_text(
        "APP_MODULE=config.asgi:application\nUPGRADE_PIP_TO_LATEST=1\n"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\n")

    assert unlocked_installs(tmp_path) == ["UPGRADE_PIP_TO_LATEST", "pyproject.toml"]


def test_tox_and_ci_install_node_packages_with_npm_ci_only():
    commands = npm_commands((ROOT / "tox.ini").read_text())
    commands |= npm_commands((ROOT / ".ci" / "run").read_text())

    assert commands <= {"ci", "run", "test"}


def test_an_npm_install_is_found():
    text = "commands =\n    npm --prefix apps/frontend install\n    npm run build\n"

    assert npm_commands(text) == {"install", "run"}
