"""The repository holds no credentials, and DEBUG and demo mode are on only in
`tox -e dev`."""

import secrets

import pytest

from tests.reliability.repository import (
    credentials_in,
    debug_switched_on,
    tracked_files,
)
from tests.servers import REPO


def test_no_credentials_are_committed(report):
    files = tracked_files()

    found = [hit for path in files for hit in credentials_in(path)]

    assert found == []
    report(f"repository scan: {len(files)} tracked files, no credentials")


def planted_credentials() -> dict[str, str]:
    """One line of each kind, made up fresh so that no file holds them."""
    pem = "-----BEGIN " + "RSA PRIVATE KEY-----"
    aws = "AKIA" + "".join(
        secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ234567") for _ in range(16)
    )
    return {
        "private key": f"{pem}\nMIIEow{secrets.token_urlsafe(40)}",
        "AWS access key id": f"aws_access_key_id = {aws}",
        "GitHub token": f"token: gh{'p'}_{secrets.token_hex(20)}",
        "OpenAI-style API key": f"OpenAI(api_key='sk-{secrets.token_urlsafe(36)}')",
        "secret assigned": f'DJANGO_SECRET_KEY="{secrets.token_urlsafe(40)}"',
    }


@pytest.mark.parametrize("rule", planted_credentials())
def test_the_scan_finds_a_planted_credential(tmp_path, rule):
    planted = tmp_path / "settings.env"
    planted.write_text(f"# harmless\n{planted_credentials()[rule]}\n")

    assert (str(planted), 2, rule) in credentials_in(planted)


@pytest.mark.parametrize(
    "line",
    [
        'API_KEY = "sk-test-key-that-must-never-leak-4242"',
        "DJANGO_SECRET_KEY = tox-only-secret-key-never-used-in-a-deployment",
        "key: DJANGO_SECRET_KEY",
        '"max_tokens": settings.LLM_MAX_TOKENS,',
    ],
)
def test_the_scan_passes_placeholders_and_references(tmp_path, line):
    placeholder = tmp_path / "settings.py"
    placeholder.write_text(line)

    assert credentials_in(placeholder) == []


def test_debug_is_on_only_in_the_dev_environment():
    others = [
        path
        for path in tracked_files()
        if path.suffix in (".yaml", ".yml", ".env", ".sh") or path.name == "environment"
    ]

    assert debug_switched_on(REPO / "tox.ini", others) == []


def test_debug_check_catches_debug_switched_on_elsewhere(tmp_path):
    tox_ini = tmp_path / "tox.ini"
    tox_ini.write_text(
        "[testenv:backend]\nset_env =\n    DJANGO_DEBUG = true\n"
        "[testenv:dev]\nset_env =\n    DJANGO_DEBUG = true\n"
    )
    configmap = tmp_path / "configmap.yaml"
    configmap.write_text('data:\n  DJANGO_DEBUG: "True"\n')
    env_file = tmp_path / "backend-config.env"
    env_file.write_text("LLM_DEMO=true\n")

    assert debug_switched_on(tox_ini, [configmap, env_file]) == [
        "tox.ini [testenv:backend]",
        str(configmap),
        str(env_file),
    ]
