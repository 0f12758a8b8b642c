"""Scenarios for tests/gitops/fake_oc.py and a runner of the bootstrap scripts
against them (the real path, not --dry-run)."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.gitops.manifests import GIT_SOURCE, KUBECTL, REPO

FAKE_OC = Path(__file__).with_name("fake_oc.py")
ROUTE_HOST = "frontend-route-llm-chat-frontend.apps.example.test"
FORK = "https://github.com/me/llm-chat.git"
PINNED_CHANNEL = "gitops-1.20"
LLM_ENV = {"LLM_API_BASE": "https://llm.example.test/v1", "LLM_API_KEY": "sk-test"}


def _obj(kind, name, namespace=None, spec=None, status=None):
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {"kind": kind, "metadata": meta, "spec": spec or {}, "status": status or {}}


def package_manifest(channels=("gitops-1.19", PINNED_CHANNEL)):
    return _obj(
        "PackageManifest",
        "openshift-gitops-operator",
        "openshift-marketplace",
        status={
            "catalogSource": "redhat-operators",
            "channels": [{"name": c} for c in channels],
        },
    )


def fresh_cluster():
    """Logged in as cluster-admin, the catalog offers the operator, none installed."""
    return {
        "user": "kube:admin",
        "project": "default",
        "can_i": "all",
        "registry": True,
        "route_host": ROUTE_HOST,
        "install_looks": 2,
        "objects": [package_manifest()],
    }


def existing_gitops(channel="gitops-1.18"):
    """OpenShift GitOps installed earlier, by someone else, on another channel.

    Its CSV is copied into every namespace, as OLM does for AllNamespaces mode.
    """
    state = fresh_cluster()
    csv = "openshift-gitops-operator.v1.18.3"
    ns = "openshift-gitops-operator"
    state["objects"] += [
        _obj("Namespace", ns),
        _obj("OperatorGroup", "openshift-gitops-operator-abcde", ns),
        _obj(
            "Subscription",
            "openshift-gitops-operator",
            ns,
            spec={"name": "openshift-gitops-operator", "channel": channel},
            status={"installedCSV": csv},
        ),
        _obj("ClusterServiceVersion", csv, ns, status={"phase": "Succeeded"}),
        _obj(
            "ClusterServiceVersion",
            csv,
            "openshift-gitops",
            status={"phase": "Succeeded", "reason": "Copied"},
        ),
    ]
    return state


def sandbox():
    """The Developer Sandbox: one project, nothing cluster-wide allowed."""
    state = fresh_cluster()
    state |= {"user": "me", "project": "me-dev", "can_i": ["me-dev"]}
    return state


def logged_out():
    state = fresh_cluster()
    state["user"] = None
    return state


class FakeCluster:
    """A checkout pointing at a fork, and a PATH whose `oc` is fake_oc.py over
    one scenario (and one without oc, with kubectl to render)."""

    def __init__(self, tmp_path, state):
        self.dir = tmp_path
        self.root = tmp_path / "checkout"
        for part in ("bootstrap", "gitops"):
            shutil.copytree(REPO / part, self.root / part)
        self.git_source = self.root / GIT_SOURCE.relative_to(REPO)
        self.git_source.write_text(
            GIT_SOURCE.read_text().replace(
                "https://github.com/example/llm-chat.git", FORK
            )
        )
        self.state_file = tmp_path / "cluster.json"
        self.log = tmp_path / "calls.jsonl"
        self.bin, self.bin_without_oc = tmp_path / "bin", tmp_path / "bin-no-oc"
        for folder in (self.bin, self.bin_without_oc):
            folder.mkdir()
            (folder / "kubectl").symlink_to(KUBECTL)
        oc = self.bin / "oc"
        # python -S skips site and its .pth files, most of its start-up time;
        # PYTHONPATH still finds PyYAML.
        packages = sysconfig.get_paths()["purelib"]
        oc.write_text(
            f'#!/bin/sh\nPYTHONPATH="{packages}" '
            f'exec "{sys.executable}" -S "{FAKE_OC}" "$@"\n'
        )
        oc.chmod(0o755)
        self.write(state)

    def write(self, state):
        self.state_file.write_text(json.dumps(state))
        self.log.write_text("")

    @property
    def state(self):
        return json.loads(self.state_file.read_text())

    def run(self, script, *args, env=LLM_ENV, oc=True):
        """Run bootstrap/SCRIPT of the checkout; (exit code, stderr)."""
        result = subprocess.run(
            ["bash", str(self.root / "bootstrap" / script), *args],
            capture_output=True,
            text=True,
            env={
                "PATH": os.pathsep.join(
                    [str(self.bin if oc else self.bin_without_oc), "/usr/bin", "/bin"]
                ),
                "FAKE_OC_STATE": str(self.state_file),
                "FAKE_OC_LOG": str(self.log),
                "BOOTSTRAP_POLL_SECONDS": "0",
                **env,
            },
            cwd=self.root,
            check=False,
        )
        return result.returncode, result.stderr

    def argvs(self):
        return [json.loads(line)["argv"] for line in self.log.read_text().splitlines()]

    def applied(self):
        """(kind, namespace, name) of every object applied, in order."""
        return [
            tuple(a)
            for line in self.log.read_text().splitlines()
            for a in json.loads(line).get("applied", [])
        ]

    def changes(self):
        """Every call that changes the cluster."""
        return [
            argv
            for argv in self.argvs()
            if argv[0] in ("apply", "create", "label", "patch", "delete", "replace")
            or argv[:2] == ["rollout", "restart"]
        ]

    def find(self, kind, namespace, name):
        """The object's current state, or None."""
        for obj in self.state["objects"]:
            meta = obj["metadata"]
            if (obj["kind"], meta.get("namespace"), meta["name"]) == (
                kind,
                namespace,
                name,
            ):
                return obj
        return None
