"""Rules for the S2I context directories and for secrets in the repository."""

import ast
import glob
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

# Files that change what the Python S2I builder does with apps/backend.
S2I_OVERRIDES = ("app.py", "app.sh", "setup.py", "pyproject.toml")
REDACTED = re.compile(r"<value of \$\w+>")


def s2i_environment(context):
    path = context / ".s2i/environment"
    if not path.is_file():
        return {}
    pairs = (
        line.split("=", 1) for line in path.read_text().splitlines() if "=" in line
    )
    return {key.strip(): value.strip() for key, value in pairs}


def defines(module_file, attribute):
    """Whether a module assigns or defines `attribute` at its top level."""
    tree = ast.parse(module_file.read_text())
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(
            node, ast.AnnAssign | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            targets = [node.target.id if isinstance(node, ast.AnnAssign) else node.name]
        if attribute in targets:
            return True
    return False


def backend_context_is_s2i_ready(context):
    """manage.py, requirements.txt, .s2i/environment with an APP_MODULE that
    exists, its APP_CONFIG, DISABLE_MIGRATE, and nothing that overrides them."""
    problems = [
        f"{context.name}: no {name}"
        for name in ("manage.py", "requirements.txt")
        if not (context / name).is_file()
    ]
    problems += [
        f"{context.name}: {name} changes what S2I runs"
        for name in S2I_OVERRIDES
        if (context / name).exists()
    ]
    environment = s2i_environment(context)
    module, _, attribute = environment.get("APP_MODULE", "").partition(":")
    module_file = context / (module.replace(".", "/") + ".py")
    if not module or not attribute:
        problems.append(
            f"{context.name}: .s2i/environment sets no APP_MODULE=module:attribute"
        )
    elif not module_file.is_file():
        problems.append(f"{context.name}: APP_MODULE module {module} does not exist")
    elif not defines(module_file, attribute):
        problems.append(f"{context.name}: {module} defines no {attribute}")
    config = environment.get("APP_CONFIG")
    if not config or not (context / config).is_file():
        problems.append(f"{context.name}: APP_CONFIG names no file")
    if environment.get("DISABLE_MIGRATE") != "1":
        problems.append(
            f"{context.name}: DISABLE_MIGRATE is not 1 (pods would migrate at start)"
        )
    return problems


def app_module_import_problems(context):
    """Import APP_MODULE as the S2I image would, in a fresh interpreter; needs the
    backend's requirements installed. The settings need a secret key, nothing more."""
    module, _, attribute = s2i_environment(context).get("APP_MODULE", "").partition(":")
    code = (
        f"import importlib; getattr(importlib.import_module({module!r}), {attribute!r})"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(context),
        "DJANGO_SECRET_KEY": "import-check",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=context,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    return [
        f"{context.name}: APP_MODULE does not import: {result.stderr.splitlines()[-1]}"
    ]


def frontend_contexts_are_s2i_ready(bundle_context, nginx_context, health_path):
    """The Node.js context builds with `npm run build` from a lock file; the nginx
    context holds config the sclorg image reads, which answers the health path."""
    problems = []
    package = bundle_context / "package.json"
    if not package.is_file() or "build" not in json.loads(package.read_text()).get(
        "scripts", {}
    ):
        problems.append(f"{bundle_context.name}: no package.json with a build script")
    if not (bundle_context / "package-lock.json").is_file():
        problems.append(f"{bundle_context.name}: no package-lock.json")
    configs = [
        *nginx_context.glob("nginx-cfg/*.conf"),
        *nginx_context.glob("nginx-default-cfg/*.conf"),
        *nginx_context.glob("nginx.conf"),
    ]
    if not configs:
        problems.append(
            f"{nginx_context}: no nginx-cfg/*.conf or nginx-default-cfg/*.conf"
        )
    elif not any(health_path in config.read_text() for config in configs):
        problems.append(f"{nginx_context}: no nginx config answers {health_path}")
    return problems


def secrets_carry_no_data(docs):
    """A Secret in the repository or in rendered output holds no value, only an
    empty string or the name of the variable the bootstrap reads it from."""
    problems = []
    for obj in docs:
        if obj.get("kind") != "Secret":
            continue
        values = {**obj.get("data", {}), **obj.get("stringData", {})}
        for key, value in values.items():
            if value and not REDACTED.fullmatch(str(value)):
                problems.append(
                    f"Secret {obj['metadata']['name']}: {key} holds a value"
                )
    return problems


def yaml_documents(root, tops=("gitops", "bootstrap")):
    """Every YAML document in the repository's manifest trees."""
    for top in tops:
        for file in sorted((root / top).rglob("*.yaml")):
            yield from (
                d for d in yaml.safe_load_all(file.read_text()) if isinstance(d, dict)
            )


def s2i_ignored(context):
    """The paths source-to-image deletes before assemble: each line of
    .s2iignore a glob from the context's root (not recursive; "*" matches dot
    files, as Go's filepath.Glob does), "!" re-admitting earlier matches, "#"
    a comment."""
    ignore = context / ".s2iignore"
    deleted = set()
    for line in ignore.read_text().splitlines() if ignore.is_file() else []:
        spec = line.strip()
        if not spec or spec.startswith("#"):
            continue
        matches = {
            Path(p)
            for p in glob.glob(str(context / spec.lstrip("!")), include_hidden=True)
        }
        deleted = deleted - matches if spec.startswith("!") else deleted | matches
    return deleted


def local_files_stay_out_of_the_image(context, tracked, local):
    """Of the files under context, .s2iignore deletes every local one (a
    developer's database, collected static files, bytecode) and no tracked one."""
    deleted = s2i_ignored(context)

    def gone(relative):
        path = context / relative
        return any(p in deleted for p in (path, *path.parents))

    return [
        f"{context.name}: .s2iignore deletes tracked {path}"
        for path in sorted(tracked)
        if gone(path)
    ] + [
        f"{context.name}: .s2iignore keeps {path}"
        for path in sorted(local)
        if not gone(path)
    ]
