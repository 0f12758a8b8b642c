"""The bootstrap scripts' real path, against tests/gitops/fake_oc.py."""

import base64
import re
import subprocess

import pytest

from tests.gitops import fake_cluster as fc
from tests.gitops.manifests import REPO, named, pod_templates, templates, topology

OPERATOR_NS = "openshift-gitops-operator"
SENTINEL = "sk-sentinel-value-that-must-not-appear"
# What `oc auth can-i` is asked about for each kind the scripts apply.
RESOURCES = {
    "Namespace": "namespaces",
    "OperatorGroup": "operatorgroups.operators.coreos.com",
    "Subscription": "subscriptions.operators.coreos.com",
    "ArgoCD": "argocds.argoproj.io",
    "AppProject": "appprojects.argoproj.io",
    "Application": "applications.argoproj.io",
    "RoleBinding": "rolebindings.rbac.authorization.k8s.io",
    "ResourceQuota": "resourcequotas",
    "LimitRange": "limitranges",
    "Secret": "secrets",
    "ConfigMap": "configmaps",
    "Service": "services",
    "ServiceAccount": "serviceaccounts",
    "PersistentVolumeClaim": "persistentvolumeclaims",
    "Deployment": "deployments.apps",
    "NetworkPolicy": "networkpolicies.networking.k8s.io",
    "Route": "routes.route.openshift.io",
    "ImageStream": "imagestreams.image.openshift.io",
    "BuildConfig": "buildconfigs.build.openshift.io",
}


@pytest.fixture
def fake(tmp_path):
    return lambda state: fc.FakeCluster(tmp_path, state)


def _index(argvs, wanted):
    return [i for i, argv in enumerate(argvs) if argv[: len(wanted)] == wanted]


def _restarts(cluster):
    return [argv[2:] for argv in cluster.argvs() if argv[:2] == ["rollout", "restart"]]


# The operator


def test_a_fresh_cluster_gets_one_operator_group_and_the_pinned_subscription(fake):
    cluster = fake(fc.fresh_cluster())
    code, stderr = cluster.run("install.sh")
    assert code == 0, stderr
    operator = [a for a in cluster.applied() if a[1] == OPERATOR_NS]
    assert operator == [
        ("OperatorGroup", OPERATOR_NS, "openshift-gitops-operator"),
        ("Subscription", OPERATOR_NS, "openshift-gitops-operator"),
    ]
    sub = cluster.find("Subscription", OPERATOR_NS, "openshift-gitops-operator")
    assert sub["spec"]["channel"] == fc.PINNED_CHANNEL


def test_the_install_waits_on_the_csv_phase_before_argo_cd(fake):
    cluster = fake(fc.fresh_cluster())
    code, stderr = cluster.run("install.sh")
    assert code == 0, stderr
    argvs = cluster.argvs()
    phase_reads = _index(argvs, ["get", "clusterserviceversions.operators.coreos.com"])
    phase_reads = [i for i in phase_reads if argvs[i][-1] == "jsonpath={.status.phase}"]
    (argocd,) = [
        i
        for i, c in enumerate(argvs)
        if c[:1] == ["kustomize"] and c[1].endswith("bootstrap/argocd")
    ]
    assert len(phase_reads) == 2  # Pending, then Succeeded
    assert max(phase_reads) < argocd
    assert "==> operator (CSV phase): Succeeded" in stderr.splitlines()


def test_a_failed_csv_stops_the_install_before_argo_cd(fake):
    state = fc.fresh_cluster() | {"install_fails": "InstallComponentFailed"}
    cluster = fake(state)
    code, stderr = cluster.run("install.sh")
    assert code == 1
    assert stderr.endswith("error: operator (CSV phase): Failed\n")
    assert [a for a in cluster.applied() if a[0] == "ArgoCD"] == []


def test_a_csv_that_never_succeeds_times_out_after_counted_looks(fake):
    cluster = fake(fc.fresh_cluster() | {"install_looks": 10**6})
    code, stderr = cluster.run("install.sh")
    assert code == 1
    assert stderr.endswith(
        "error: timed out waiting for operator (CSV phase) (last: Pending)\n"
    )
    phase_reads = [a for a in cluster.argvs() if a[-1] == "jsonpath={.status.phase}"]
    assert len(phase_reads) == 900 // 10


def test_an_existing_subscription_is_reused_with_its_channel(fake):
    cluster = fake(fc.existing_gitops(channel="gitops-1.18"))
    code, stderr = cluster.run("install.sh")
    assert code == 0, stderr
    assert [a for a in cluster.applied() if a[1] == OPERATOR_NS] == []
    assert [a for a in cluster.applied() if a[0] == "Namespace"] == [
        ("Namespace", "", "llm-chat-gitops"),
        ("Namespace", "", "llm-chat-backend"),
        ("Namespace", "", "llm-chat-frontend"),
    ]
    sub = cluster.find("Subscription", OPERATOR_NS, "openshift-gitops-operator")
    assert sub["spec"]["channel"] == "gitops-1.18"
    assert [c for c in cluster.argvs() if c[0] == "patch"] == []
    assert (
        "warning: Subscription openshift-gitops-operator in openshift-gitops-operator "
        "follows channel gitops-1.18, not gitops-1.20 (pinned in "
        "bootstrap/operator/subscription.yaml); it is reused as it is, channel "
        "unchanged\n"
    ) in stderr
    assert "==> 1/6 OpenShift GitOps operator: reusing Subscription " in stderr


def test_an_existing_subscription_on_the_pinned_channel_gets_no_warning(fake):
    cluster = fake(fc.existing_gitops(channel=fc.PINNED_CHANNEL))
    code, stderr = cluster.run("install.sh")
    assert code == 0, stderr
    assert "warning:" not in stderr


def test_an_operator_group_left_in_the_namespace_is_not_doubled(fake):
    state = fc.fresh_cluster()
    state["objects"] += [
        {"kind": "Namespace", "metadata": {"name": OPERATOR_NS}},
        {"kind": "OperatorGroup", "metadata": {"name": "og", "namespace": OPERATOR_NS}},
    ]
    cluster = fake(state)
    code, stderr = cluster.run("install.sh")
    assert code == 0, stderr
    assert [a for a in cluster.applied() if a[0] == "OperatorGroup"] == []
    assert "==> OperatorGroup og exists in openshift-gitops-operator: kept" in stderr
    csv = cluster.find(
        "ClusterServiceVersion", OPERATOR_NS, "openshift-gitops-operator.v1.20.1"
    )
    assert csv["status"]["phase"] == "Succeeded"


# The preflight: everything missing at once, nothing applied


def _preflight(*items):
    lines = [
        f"error: {items[0]} cannot start; nothing was applied. Fix these first:",
        *(f"  - {what}\n    fix: {fix}" for what, fix in items[1:]),
    ]
    return "\n".join(lines) + "\n"


NOT_LOGGED_IN = (
    "oc is not logged in to a cluster",
    "oc login --token=... --server=... (web console: your name > Copy login command)",
)
NO_BASE = ("LLM_API_BASE is not set", "export LLM_API_BASE=https://your-endpoint/v1")
NO_KEY = (
    "LLM_API_KEY is not set",
    "read -rs LLM_API_KEY && export LLM_API_KEY (empty if the endpoint needs no key)",
)


@pytest.mark.parametrize("script", ["install.sh", "sandbox.sh"])
def test_logged_out_the_preflight_lists_login_and_environment(fake, script):
    cluster = fake(fc.logged_out())
    code, stderr = cluster.run(script, env={})
    assert (code, stderr.split("\n", 1)[1]) == (
        1,
        _preflight(script, NOT_LOGGED_IN, NO_BASE, NO_KEY),
    )
    assert cluster.changes() == []


@pytest.mark.parametrize("script", ["install.sh", "sandbox.sh"])
def test_without_oc_the_preflight_lists_oc_and_environment(fake, script):
    cluster = fake(fc.fresh_cluster())
    code, stderr = cluster.run(script, env={"LLM_API_KEY": ""}, oc=False)
    no_oc = (
        "oc is not on PATH",
        "install the OpenShift CLI (web console: ? > Command line tools) and put it "
        "on PATH",
    )
    assert (code, stderr.split("\n", 1)[1]) == (1, _preflight(script, no_oc, NO_BASE))
    assert cluster.argvs() == []


def test_a_sandbox_user_running_install_sh_gets_every_missing_permission(fake):
    cluster = fake(fc.sandbox())
    code, stderr = cluster.run("install.sh")
    denied = (
        "oc auth can-i answers no for:\n"
        "      create namespaces\n"
        "      get packagemanifests.packages.operators.coreos.com"
        " -n openshift-marketplace\n"
        "      list subscriptions.operators.coreos.com --all-namespaces\n"
        "      list clusterserviceversions.operators.coreos.com --all-namespaces\n"
        f"      create operatorgroups.operators.coreos.com -n {OPERATOR_NS}\n"
        f"      create subscriptions.operators.coreos.com -n {OPERATOR_NS}\n"
        "      create argocds.argoproj.io -n llm-chat-gitops\n"
        "      create appprojects.argoproj.io -n llm-chat-gitops\n"
        "      create applications.argoproj.io -n llm-chat-gitops\n"
        "      create rolebindings.rbac.authorization.k8s.io -n llm-chat-backend\n"
        "      create resourcequotas -n llm-chat-backend\n"
        "      create limitranges -n llm-chat-backend\n"
        "      create secrets -n llm-chat-backend\n"
        "      create rolebindings.rbac.authorization.k8s.io -n llm-chat-frontend\n"
        "      create resourcequotas -n llm-chat-frontend\n"
        "      create limitranges -n llm-chat-frontend\n"
        "      create secrets -n llm-chat-frontend\n"
        "      create configmaps -n llm-chat-backend\n"
        "      patch deployments.apps -n llm-chat-backend\n"
        "      get routes.route.openshift.io -n llm-chat-frontend\n"
        "      create imagestreamimports.image.openshift.io -n default",
        "log in as a cluster-admin, or deploy into a project of your own with "
        "bootstrap/sandbox.sh",
    )
    assert (code, stderr.split("\n", 1)[1]) == (1, _preflight("install.sh", denied))
    assert cluster.changes() == []


def test_a_project_without_edit_rights_is_reported_by_sandbox_sh(fake):
    cluster = fake(fc.sandbox() | {"can_i": ["someone-elses"]})
    code, stderr = cluster.run("sandbox.sh", env={})
    assert code == 1
    assert "      buildconfigs" not in stderr  # one line per permission, in full
    assert "      create buildconfigs.build.openshift.io -n me-dev\n" in stderr
    assert "    fix: ask for the admin role in me-dev (edit may not" in stderr
    assert stderr.endswith(_preflight("x", NO_BASE, NO_KEY).split("\n", 1)[1])
    assert cluster.changes() == []


@pytest.mark.parametrize(
    "channels, problem",
    [
        (
            ("gitops-1.16", "gitops-1.17"),
            "  - the pinned channel gitops-1.20 is not offered; the cluster offers: "
            "gitops-1.16 gitops-1.17\n    fix: set spec.channel in "
            "bootstrap/operator/subscription.yaml to one of those, commit and push\n",
        ),
        (
            None,
            "  - no catalog offers the package openshift-gitops-operator (oc get "
            "packagemanifest openshift-gitops-operator -n openshift-marketplace)\n"
            "    fix: enable the redhat-operators catalog (oc get catalogsource -n "
            "openshift-marketplace), or mirror it on a disconnected cluster\n",
        ),
    ],
)
def test_the_pinned_channel_is_checked_against_the_package_manifest(
    fake, channels, problem
):
    state = fc.fresh_cluster()
    state["objects"] = [fc.package_manifest(channels)] if channels else []
    cluster = fake(state)
    code, stderr = cluster.run("install.sh")
    assert code == 1
    assert stderr.endswith(problem)
    assert cluster.changes() == []


@pytest.mark.parametrize("script", ["install.sh", "sandbox.sh"])
def test_a_cluster_that_cannot_reach_the_registry_is_told_so(fake, script):
    cluster = fake(fc.sandbox() | {"can_i": "all", "registry": False})
    code, stderr = cluster.run(script)
    assert code == 1
    assert stderr.endswith(
        "  - the cluster cannot import registry.access.redhat.com/ubi9/ubi-minimal:"
        "latest: error: tag latest failed: Internal error occurred: dial tcp: i/o "
        "timeout\n    fix: let the cluster reach registry.access.redhat.com "
        "(cluster-wide proxy; allowedRegistriesForImport in "
        "image.config.openshift.io/cluster) or mirror it\n"
        "  - the cluster cannot import registry.redhat.io/openshift4/"
        "ose-oauth-proxy-rhel9:v4.17: error: tag latest failed: Internal error "
        "occurred: dial tcp: i/o timeout\n    fix: the cluster's pull secret "
        "(secret/pull-secret in openshift-config) needs credentials for "
        "registry.redhat.io, and the cluster must reach it; or mirror the image\n"
    )
    assert cluster.changes() == []


def test_the_preflight_imports_the_oauth_proxy_image_the_manifests_use(fake):
    cluster = fake(fc.sandbox())
    assert cluster.run("sandbox.sh")[0] == 0
    (tag,) = named(topology("sandbox"), "ImageStream", "oauth-proxy")["spec"]["tags"]
    probed = [
        argv[argv.index("import-image") + 2].removeprefix("--from=")
        for argv in cluster.argvs()
        if "import-image" in argv
    ]
    assert tag["from"]["name"] in probed


@pytest.mark.parametrize("script", ["install.sh", "sandbox.sh"])
def test_the_preflight_asks_for_every_kind_the_script_applies(fake, dry_runs, script):
    cluster = fake(fc.fresh_cluster() if script == "install.sh" else fc.sandbox())
    code, stderr = cluster.run(script)
    assert code == 0, stderr
    asked = {
        (argv[3], argv[5] if "-n" in argv else "")
        for argv in cluster.argvs()
        if argv[:3] == ["auth", "can-i", "create"]
    }
    _, docs, _ = dry_runs[script]
    project = cluster.state["project"] if script == "sandbox.sh" else ""
    applied = {
        (RESOURCES[o["kind"]], o["metadata"].get("namespace", project)) for o in docs
    }
    assert applied - asked == set()


# The sandbox stays in its project


def test_the_sandbox_stays_in_its_project(fake):
    cluster = fake(fc.sandbox())
    code, stderr = cluster.run("sandbox.sh")
    assert code == 0, stderr
    for argv in cluster.argvs():
        if argv[0] in ("whoami", "project", "kustomize"):
            continue
        assert argv[argv.index("-n") + 1] == "me-dev", argv
    assert {a[1] for a in cluster.applied()} == {"me-dev"}


# Host names from the Route


@pytest.mark.parametrize("script", ["install.sh", "sandbox.sh"])
@pytest.mark.parametrize("admitted", [True, False], ids=["status", "spec"])
def test_the_backend_trusts_exactly_the_route_host_and_is_restarted(
    fake, script, admitted
):
    state = fc.sandbox() if script == "sandbox.sh" else fc.fresh_cluster()
    cluster = fake(state | {"route_admitted": admitted})
    code, stderr = cluster.run(script)
    assert code == 0, stderr
    ns = "me-dev" if script == "sandbox.sh" else "llm-chat-backend"
    configmap = cluster.find("ConfigMap", ns, "cluster-ingress")
    assert configmap["data"] == {"frontend-host": fc.ROUTE_HOST}
    argvs = cluster.argvs()
    (restart,) = _index(argvs, ["rollout", "restart", "deployment/backend"])
    assert restart > max(_index(argvs, ["get", "route", "frontend-route"])[:1])
    assert "whoami" not in [a for argv in argvs for a in argv[1:]]


def test_a_route_without_a_host_is_warned_about_and_nothing_restarts(fake):
    cluster = fake(fc.sandbox() | {"route_host": None})
    code, stderr = cluster.run("sandbox.sh")
    assert code == 1
    assert stderr.endswith(
        "warning: Route frontend-route in me-dev has no usable host (none), so the "
        "backend trusts no browser yet: every page answers 400. Once 'oc get route "
        "frontend-route -n me-dev' shows a host, run this script again.\n"
    )
    configmap = cluster.find("ConfigMap", "me-dev", "cluster-ingress")
    assert configmap["data"] == {"frontend-host": ""}
    assert _restarts(cluster) == []


# Re-runs: nothing rewritten, nothing restarted; what is rewritten is restarted


def test_a_rerun_rewrites_nothing_and_restarts_nothing(fake):
    cluster = fake(fc.sandbox())
    assert cluster.run("sandbox.sh")[0] == 0
    cluster.log.write_text("")
    code, stderr = cluster.run("sandbox.sh")
    assert code == 0, stderr
    assert [c for c in cluster.changes() if c[:2] != ["apply", "-n"]] == []
    assert "==> Secret litellm-secrets exists in me-dev: kept" in stderr


@pytest.mark.parametrize(
    "deleted, restarted",
    [
        ("litellm-secrets", [["deployment/backend", "-n", "me-dev"]]),
        (
            "postgresql",
            [
                ["deployment/postgresql", "-n", "me-dev"],
                ["deployment/backend", "-n", "me-dev"],
            ],
        ),
        ("build-webhook", []),
    ],
)
def test_a_recreated_secret_restarts_what_reads_it(fake, deleted, restarted):
    cluster = fake(fc.sandbox())
    assert cluster.run("sandbox.sh")[0] == 0
    state = cluster.state
    state["objects"] = [
        o
        for o in state["objects"]
        if (o["kind"], o["metadata"]["name"]) != ("Secret", deleted)
    ]
    cluster.write(state)
    code, stderr = cluster.run("sandbox.sh")
    assert code == 0, stderr
    assert _restarts(cluster) == restarted


def test_a_new_route_host_is_written_and_the_backend_restarted(fake):
    cluster = fake(fc.sandbox())
    assert cluster.run("sandbox.sh")[0] == 0
    state = cluster.state
    (route,) = [o for o in state["objects"] if o["kind"] == "Route"]
    route["spec"]["host"] = route["status"]["ingress"][0]["host"] = "chat.example.test"
    cluster.write(state)
    code, stderr = cluster.run("sandbox.sh")
    assert code == 0, stderr
    configmap = cluster.find("ConfigMap", "me-dev", "cluster-ingress")
    assert configmap["data"] == {"frontend-host": "chat.example.test"}
    assert _restarts(cluster) == [["deployment/backend", "-n", "me-dev"]]


def _deployments_reading(name):
    return sorted(
        {
            obj["metadata"]["name"]
            for _, obj, spec, _ in pod_templates(topology("sandbox"))
            if f"'name': '{name}'" in repr(spec)
            or f"'secretName': '{name}'" in repr(spec)
        }
    )


@pytest.mark.parametrize("name", sorted({t["metadata"]["name"] for t in templates()}))
def test_the_restart_list_matches_what_the_manifests_read(name):
    lib = REPO / "bootstrap/lib"
    readers = subprocess.run(
        [
            "bash",
            "-c",
            f'. "{lib}/common.sh"; . "{lib}/cluster-objects.sh"; readers_of "$1"',
            "-",
            name,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(readers) == _deployments_reading(name)


# Secrets stay secret on the real path too


def test_values_from_the_environment_reach_neither_the_log_nor_oc_arguments(fake):
    cluster = fake(fc.sandbox())
    env = {"LLM_API_BASE": SENTINEL, "LLM_API_KEY": SENTINEL}
    env |= {"DJANGO_SECRET_KEY": SENTINEL}
    code, stderr = cluster.run("sandbox.sh", env=env)
    assert code == 0, stderr
    assert SENTINEL not in stderr + cluster.log.read_text()
    secret = cluster.find("Secret", "me-dev", "litellm-secrets")
    assert sorted(secret["data"]) == [
        "DJANGO_SECRET_KEY",
        "LLM_API_BASE",
        "LLM_API_KEY",
    ]


# --repo needs no cluster, and any URL survives the rewrite


@pytest.mark.parametrize("script", ["install.sh", "sandbox.sh"])
def test_pointing_at_a_fork_needs_no_cluster_and_keeps_every_character(fake, script):
    cluster = fake(fc.logged_out())
    url = "https://git.example.org/me/llm-chat.git?a=1&b=2|3"
    revision = "feat/a&b|c"
    code, stderr = cluster.run(script, "--repo", url, "--revision", revision)
    assert code == 2, stderr
    assert cluster.argvs() == []
    data = cluster.git_source.read_text().split("\ndata:\n")[1]
    assert data == f"  url: {url}\n  revision: {revision}\n"


@pytest.mark.parametrize(
    "repo, revision, error",
    [
        (
            "git@github.com:me/llm-chat.git",
            "main",
            "error: --repo must be a public HTTPS Git URL (https://...): Argo CD and "
            "the builds clone it without credentials\n",
        ),
        (
            "https://github.com/me/llm chat.git",
            "main",
            "error: --repo and --revision may not contain spaces, quotes, "
            "backslashes, # or backquotes\n",
        ),
        (
            fc.FORK,
            "*main",
            "error: --revision may not start with a YAML indicator (one of "
            "-&*!|>%@[]{},?:)\n",
        ),
    ],
)
def test_a_git_source_that_cannot_work_is_refused_untouched(
    fake, repo, revision, error
):
    cluster = fake(fc.logged_out())
    before = cluster.git_source.read_text()
    code, stderr = cluster.run("install.sh", "--repo", repo, "--revision", revision)
    assert (code, stderr) == (1, error)
    assert cluster.git_source.read_text() == before


# The sign-in secrets: one proxy secret for nginx and the backend, a cookie
# secret oauth-proxy accepts


def _value(cluster, namespace, name, key):
    return base64.b64decode(cluster.find("Secret", namespace, name)["data"][key])


def _proxy_secrets(cluster, *namespaces):
    return [_value(cluster, ns, "chat-proxy", "secret") for ns in namespaces]


def test_the_install_gives_nginx_and_the_backend_one_proxy_secret(fake):
    cluster = fake(fc.fresh_cluster())
    code, stderr = cluster.run("install.sh")
    assert code == 0, stderr
    backend, frontend = _proxy_secrets(cluster, "llm-chat-backend", "llm-chat-frontend")
    assert backend == frontend
    # What nginx's start hook accepts (apps/frontend/nginx/nginx-start).
    assert re.fullmatch(rb"[0-9a-f]{64}", backend)
    session = _value(
        cluster, "llm-chat-frontend", "frontend-oauth-proxy", "session_secret"
    )
    # oauth-proxy decodes base64url and needs 16, 24 or 32 bytes for AES
    # (options.go, secretBytes and the cookie_secret check).
    assert len(session) == 32
    assert len(base64.urlsafe_b64decode(session)) == 24
    assert backend.decode() not in stderr + cluster.log.read_text()
    assert session.decode() not in stderr + cluster.log.read_text()


def test_a_lost_proxy_secret_comes_back_with_the_other_namespaces_value(fake):
    cluster = fake(fc.fresh_cluster())
    assert cluster.run("install.sh")[0] == 0
    (before,) = _proxy_secrets(cluster, "llm-chat-backend")
    state = cluster.state
    state["objects"] = [
        o
        for o in state["objects"]
        if (o["kind"], o["metadata"]["name"], o["metadata"].get("namespace"))
        != ("Secret", "chat-proxy", "llm-chat-frontend")
    ]
    cluster.write(state)
    cluster.log.write_text("")
    code, stderr = cluster.run("install.sh")
    assert code == 0, stderr
    assert _proxy_secrets(cluster, "llm-chat-backend", "llm-chat-frontend") == [
        before,
        before,
    ]
    assert ["deployment/frontend", "-n", "llm-chat-frontend"] in _restarts(cluster)


def test_the_sandbox_has_one_proxy_secret_and_a_rerun_keeps_both_values(fake):
    cluster = fake(fc.sandbox())
    assert cluster.run("sandbox.sh")[0] == 0
    secrets = [
        o["metadata"]["name"] for o in cluster.state["objects"] if o["kind"] == "Secret"
    ]
    assert secrets.count("chat-proxy") == 1
    before = (
        cluster.find("Secret", "me-dev", "chat-proxy"),
        cluster.find("Secret", "me-dev", "frontend-oauth-proxy"),
    )
    code, stderr = cluster.run("sandbox.sh")
    assert code == 0, stderr
    assert "==> Secret chat-proxy exists in me-dev: kept" in stderr
    assert (
        cluster.find("Secret", "me-dev", "chat-proxy"),
        cluster.find("Secret", "me-dev", "frontend-oauth-proxy"),
    ) == before
