import shutil

from tests.gitops.manifests import (
    GIT_SOURCE,
    kustomize,
    run_bootstrap,
    templates,
)
from tests.gitops.rules_argocd import sources_are_the_configured_one
from tests.gitops.rules_sources import secrets_carry_no_data

SENTINEL = "sk-sentinel-value-that-must-not-appear"


def _identity(obj):
    return obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace", "")


def _rendered(*paths):
    return [_identity(o) for path in paths for o in kustomize(path)]


def test_the_install_dry_run_needs_no_oc(no_oc_path):
    assert shutil.which("oc", path=no_oc_path) is None
    code, docs, stderr = run_bootstrap("install.sh", "--dry-run", path=no_oc_path)
    assert code == 0, stderr
    assert docs != []


def test_the_install_dry_run_prints_everything_it_applies_in_order(dry_runs):
    code, docs, stderr = dry_runs["install.sh"]
    assert code == 0, stderr
    cluster_only = [(t["kind"], t["metadata"]["name"]) for t in templates()]
    expected = [
        *_rendered(
            "bootstrap/operator", "bootstrap/argocd", "bootstrap/app-namespaces"
        ),
        ("Secret", "litellm-secrets", "llm-chat-backend"),
        ("Secret", "postgresql", "llm-chat-backend"),
        ("Secret", "chat-proxy", "llm-chat-backend"),
        ("Secret", "chat-proxy", "llm-chat-frontend"),
        ("Secret", "frontend-oauth-proxy", "llm-chat-frontend"),
        ("Secret", "build-webhook", "llm-chat-backend"),
        ("Secret", "build-webhook", "llm-chat-frontend"),
        ("ConfigMap", "cluster-ingress", "llm-chat-backend"),
        *_rendered("gitops/apps/root"),
    ]
    assert [_identity(o) for o in docs] == expected
    assert {(kind, name) for kind, name, _ in expected[-9:-1]} == set(cluster_only)
    assert [line for line in stderr.splitlines() if line.startswith("==> ")][1:6] == [
        "==> 1/6 OpenShift GitOps operator (Namespace, OperatorGroup, Subscription)",
        "==> 2/6 Argo CD instance and AppProject in llm-chat-gitops",
        "==> 3/6 Application namespaces and the controller's RoleBindings",
        "==> 4/6 Secrets and cluster facts kept out of Git",
        "==> 5/6 Root Application (app-of-apps)",
    ]


def test_the_sandbox_dry_run_stays_in_one_namespace(dry_runs):
    code, docs, stderr = dry_runs["sandbox.sh"]
    assert code == 0, stderr
    parts = [
        f"gitops/{p}/overlays/sandbox"
        for p in ("builds", "database", "backend", "frontend")
    ]
    assert [_identity(o) for o in docs] == [
        ("Secret", "litellm-secrets", ""),
        ("Secret", "postgresql", ""),
        ("Secret", "chat-proxy", ""),
        ("Secret", "frontend-oauth-proxy", ""),
        ("Secret", "build-webhook", ""),
        ("ConfigMap", "cluster-ingress", ""),
        *_rendered(*parts),
    ]


def test_bootstrap_secrets_declare_the_template_keys_and_no_values(dry_runs):
    declared = {
        t["metadata"]["name"]: set(t.get("stringData", t.get("data", {})))
        for t in templates()
    }
    for script in ("install.sh", "sandbox.sh"):
        _, docs, _ = dry_runs[script]
        printed = [
            o
            for o in docs
            if o["kind"] in ("Secret", "ConfigMap")
            and o["metadata"]["name"] in declared
        ]
        for obj in printed:
            keys = set(obj.get("stringData", obj.get("data", {})))
            assert keys == declared[obj["metadata"]["name"]], obj["metadata"]["name"]
        assert secrets_carry_no_data(docs) == []


def test_values_from_the_environment_are_never_printed(no_oc_path):
    env = {
        "LLM_API_KEY": SENTINEL,
        "LLM_API_BASE": SENTINEL,
        "DJANGO_SECRET_KEY": SENTINEL,
    }
    for script in ("install.sh", "sandbox.sh"):
        code, docs, stderr = run_bootstrap(
            script, "--dry-run", path=no_oc_path, env=env
        )
        assert code == 0
        assert SENTINEL not in repr(docs) + stderr


def test_a_fork_is_previewed_without_touching_the_checkout(no_oc_path):
    before = GIT_SOURCE.read_text()
    # & and | are special to sed, which once did this rewrite.
    fork = "https://git.example.org/me/llm-chat.git?x=1&y=2|3"
    revision = "my-branch&x|y"
    code, docs, stderr = run_bootstrap(
        "install.sh",
        "--dry-run",
        "--repo",
        fork,
        "--revision",
        revision,
        path=no_oc_path,
    )
    assert code == 0, stderr
    assert sources_are_the_configured_one(docs, fork, revision) == []
    assert [
        o["spec"]["source"]["repoURL"] for o in docs if o["kind"] == "Application"
    ] == [fork]
    code, docs, _ = run_bootstrap(
        "sandbox.sh", "--dry-run", "--repo", fork, path=no_oc_path
    )
    assert {
        o["spec"]["source"]["git"]["uri"]
        for o in docs
        if o["kind"] == "BuildConfig" and "git" in o["spec"]["source"]
    } == {fork}
    assert GIT_SOURCE.read_text() == before


def test_an_unknown_option_is_a_usage_error(no_oc_path):
    code, _, stderr = run_bootstrap("sandbox.sh", "--dryrun", path=no_oc_path)
    assert code == 64
    assert stderr.startswith("Usage: bootstrap/sandbox.sh")
