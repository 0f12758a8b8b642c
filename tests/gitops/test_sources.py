import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.gitops.manifests import (
    REPO,
    container,
    kustomization_dirs,
    kustomize,
    topology,
)
from tests.gitops.rules_sources import (
    app_module_import_problems,
    backend_context_is_s2i_ready,
    frontend_contexts_are_s2i_ready,
    local_files_stay_out_of_the_image,
    secrets_carry_no_data,
    yaml_documents,
)

BACKEND = REPO / "apps/backend"
FRONTEND = REPO / "apps/frontend"


def _health_path():
    probe = container(topology("cluster"), "frontend", "frontend")["livenessProbe"]
    return probe["httpGet"]["path"]


@pytest.fixture
def backend_copy(tmp_path):
    target = tmp_path / "backend"
    shutil.copytree(
        BACKEND, target, ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__")
    )
    return target


def test_the_backend_context_is_s2i_ready():
    assert backend_context_is_s2i_ready(BACKEND) == []


@pytest.mark.parametrize("name", ["app.py", "pyproject.toml", "setup.py", "app.sh"])
def test_a_backend_file_that_overrides_s2i_is_rejected(backend_copy, name):
    (backend_copy / name).write_text("")
    assert backend_context_is_s2i_ready(backend_copy) == [
        f"backend: {name} changes what S2I runs"
    ]


@pytest.mark.parametrize(
    ("app_module", "problem"),
    [
        (
            "config.wsgi2:application",
            "backend: APP_MODULE module config.wsgi2 does not exist",
        ),
        ("config.asgi:app", "backend: config.asgi defines no app"),
        (
            "config.asgi",
            "backend: .s2i/environment sets no APP_MODULE=module:attribute",
        ),
    ],
)
def test_an_app_module_that_does_not_import_is_rejected(
    backend_copy, app_module, problem
):
    environment = backend_copy / ".s2i/environment"
    lines = environment.read_text().splitlines()
    lines = [
        f"APP_MODULE={app_module}" if line.startswith("APP_MODULE=") else line
        for line in lines
    ]
    environment.write_text("\n".join(lines) + "\n")
    assert backend_context_is_s2i_ready(backend_copy) == [problem]


def test_a_backend_that_migrates_at_every_start_is_rejected(backend_copy):
    environment = backend_copy / ".s2i/environment"
    environment.write_text(environment.read_text().replace("DISABLE_MIGRATE=1", ""))
    assert backend_context_is_s2i_ready(backend_copy) == [
        "backend: DISABLE_MIGRATE is not 1 (pods would migrate at start)"
    ]


needs_backend_requirements = pytest.mark.skipif(
    importlib.util.find_spec("django") is None,
    reason="the backend's requirements are not installed: the static check ran",
)


@needs_backend_requirements
def test_the_app_module_imports():
    assert app_module_import_problems(BACKEND) == []


@needs_backend_requirements
def test_an_app_module_naming_a_missing_attribute_fails_to_import(backend_copy):
    environment = backend_copy / ".s2i/environment"
    text = environment.read_text().replace(":application", ":app")
    environment.write_text(text)
    assert app_module_import_problems(backend_copy) == [
        "backend: APP_MODULE does not import: "
        "AttributeError: module 'config.asgi' has no attribute 'app'"
    ]


def test_the_frontend_contexts_are_s2i_ready():
    assert (
        frontend_contexts_are_s2i_ready(FRONTEND, FRONTEND / "nginx", _health_path())
        == []
    )


def test_frontend_contexts_without_build_or_nginx_config_are_rejected(tmp_path):
    bundle, nginx = tmp_path / "frontend", tmp_path / "frontend/nginx"
    (nginx / "nginx-cfg").mkdir(parents=True)
    (bundle / "package.json").write_text(json.dumps({"scripts": {"dev": "vite"}}))
    assert frontend_contexts_are_s2i_ready(bundle, nginx, "/nginx-health") == [
        "frontend: no package.json with a build script",
        "frontend: no package-lock.json",
        f"{nginx}: no nginx-cfg/*.conf or nginx-default-cfg/*.conf",
    ]
    (nginx / "nginx-cfg/app.conf").write_text("location /health { return 200; }\n")
    assert frontend_contexts_are_s2i_ready(bundle, nginx, "/nginx-health")[-1] == (
        f"{nginx}: no nginx config answers /nginx-health"
    )


def test_no_secret_in_the_repository_carries_data():
    assert secrets_carry_no_data(list(yaml_documents(REPO))) == []


def test_argo_cd_syncs_no_secret():
    synced = [
        o
        for path in kustomization_dirs()
        if path.startswith("gitops")
        for o in kustomize(path)
    ]
    assert [o["metadata"]["name"] for o in synced if o["kind"] == "Secret"] == []


def test_a_secret_with_a_value_is_rejected(tmp_path):
    (tmp_path / "gitops").mkdir()
    (tmp_path / "gitops/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n"
        "stringData:\n  LLM_API_KEY: sk-live-123\n"
        "data:\n  DJANGO_SECRET_KEY: c2VjcmV0\n"
    )
    assert secrets_carry_no_data(list(yaml_documents(tmp_path, tops=("gitops",)))) == [
        "Secret leaked: DJANGO_SECRET_KEY holds a value",
        "Secret leaked: LLM_API_KEY holds a value",
    ]


def _tracked(context):
    listed = subprocess.run(
        [
            "git",
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            ".",
        ],
        cwd=context,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {Path(name) for name in listed.split("\0") if name}


@pytest.fixture
def backend_with_local_files(tmp_path):
    """The tracked backend files, plus what a developer's runs leave there."""
    tracked = _tracked(BACKEND)
    target = tmp_path / "backend"
    for path in tracked:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(BACKEND / path, target / path)
    local = {Path("db.sqlite3"), Path("staticfiles/admin/css/base.css"), Path(".env")}
    local |= {
        directory / "__pycache__/module.cpython-312.pyc"
        for directory in {p.parent for p in tracked if p.suffix == ".py"}
    }
    for path in local:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text("")
    return target, tracked, local


def test_local_files_stay_out_of_the_backend_image(backend_with_local_files):
    context, tracked, local = backend_with_local_files
    assert Path("chat/management/commands/__pycache__/module.cpython-312.pyc") in local
    assert local_files_stay_out_of_the_image(context, tracked, local) == []


def test_an_s2iignore_that_misses_a_depth_or_hits_the_code_is_rejected(
    backend_with_local_files,
):
    context, tracked, local = backend_with_local_files
    ignore = context / ".s2iignore"
    lines = ignore.read_text().splitlines()
    lines.remove("*/*/*/__pycache__")
    ignore.write_text("\n".join([*lines, "manage.py"]) + "\n")
    assert local_files_stay_out_of_the_image(context, tracked, local) == [
        "backend: .s2iignore deletes tracked manage.py",
        "backend: .s2iignore keeps chat/management/commands/__pycache__/"
        "module.cpython-312.pyc",
    ]
