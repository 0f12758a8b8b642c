import shutil

import pytest

from tests.gitops.manifests import GIT_SOURCE, REPO, git_source, kustomize, named
from tests.gitops.rules_argocd import (
    argocd_instance_is_configured,
    bootstrap_grants_only_namespaces,
    children_sync_automatically,
    children_sync_in_waves,
    files_naming,
    projects_allow_only_their_apps,
    sources_are_the_configured_one,
    triggered_fields_are_ignored,
)


def _bootstrap():
    return [
        o
        for part in ("operator", "argocd", "app-namespaces")
        for o in kustomize(f"bootstrap/{part}")
    ]


def test_children_sync_in_waves(apps):
    assert children_sync_in_waves(apps) == []


def test_a_backend_before_its_database_is_rejected(apps):
    named(apps, "Application", "llm-chat-backend")["metadata"]["annotations"][
        "argocd.argoproj.io/sync-wave"
    ] = "1"
    assert children_sync_in_waves(apps) == [
        "waves {'builds': 0, 'database': 1, 'backend': 1, 'frontend': 3} "
        "are not strictly increasing"
    ]


def test_children_sync_automatically(apps):
    assert children_sync_automatically(apps + kustomize("gitops/apps/root")) == []


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (lambda a: a["metadata"].pop("finalizers"), "no resources finalizer"),
        (
            lambda a: a["spec"]["syncPolicy"]["automated"].pop("selfHeal"),
            "not automated with prune and selfHeal",
        ),
        (
            lambda a: a["spec"]["syncPolicy"]["retry"].pop("backoff"),
            "no retry with backoff",
        ),
    ],
)
def test_a_child_that_does_not_sync_by_itself_is_rejected(apps, breakage, problem):
    breakage(named(apps, "Application", "llm-chat-frontend"))
    assert children_sync_automatically(apps) == [f"llm-chat-frontend: {problem}"]


@pytest.mark.parametrize("part", ["builds", "database", "backend", "frontend"])
def test_triggered_fields_are_ignored_and_respected(apps, part):
    app = named(apps, "Application", f"llm-chat-{part}")
    assert (
        triggered_fields_are_ignored(app, kustomize(app["spec"]["source"]["path"]))
        == []
    )


def test_an_ignored_trigger_field_that_sync_would_overwrite_is_rejected(apps):
    app = named(apps, "Application", "llm-chat-backend")
    app["spec"]["syncPolicy"]["syncOptions"].remove("RespectIgnoreDifferences=true")
    assert triggered_fields_are_ignored(
        app, kustomize(app["spec"]["source"]["path"])
    ) == [
        "llm-chat-backend: no RespectIgnoreDifferences=true",
        "llm-chat-backend: no RespectIgnoreDifferences=true",
    ]


def test_a_trigger_field_left_in_the_diff_is_rejected(apps):
    app = named(apps, "Application", "llm-chat-backend")
    app["spec"]["ignoreDifferences"][0]["jqPathExpressions"].pop()
    assert triggered_fields_are_ignored(
        app, kustomize(app["spec"]["source"]["path"])
    ) == ["llm-chat-backend: backend/migrate image not ignored"]


def test_a_generated_route_host_left_in_the_diff_is_rejected(apps):
    app = named(apps, "Application", "llm-chat-frontend")
    app["spec"]["ignoreDifferences"].pop()
    assert triggered_fields_are_ignored(
        app, kustomize(app["spec"]["source"]["path"])
    ) == ["llm-chat-frontend: generated host of Route frontend-route not ignored"]


def _everything_with_a_source(cluster, apps):
    return (
        cluster + apps + kustomize("gitops/apps/root") + kustomize("bootstrap/argocd")
    )


def test_every_source_is_the_configured_one(cluster, apps):
    url, revision = git_source()
    assert (
        sources_are_the_configured_one(
            _everything_with_a_source(cluster, apps), url, revision
        )
        == []
    )


def test_a_source_pointing_elsewhere_is_rejected(cluster, apps):
    url, revision = git_source()
    named(cluster, "BuildConfig", "frontend-bundle")["spec"]["source"]["git"]["ref"] = (
        "dev"
    )
    named(apps, "Application", "llm-chat-builds")["spec"]["source"]["repoURL"] = (
        "https://x/y.git"
    )
    assert sources_are_the_configured_one(
        _everything_with_a_source(cluster, apps), url, revision
    ) == [
        f"BuildConfig frontend-bundle: git source is not {url} @ {revision}",
        f"Application llm-chat-builds: source is not {url} @ {revision}",
    ]


def test_the_repository_url_is_written_in_one_place():
    url, _ = git_source()
    assert files_naming(url) == [str(GIT_SOURCE.relative_to(REPO))]


def test_a_second_copy_of_the_repository_url_is_rejected(tmp_path):
    url, _ = git_source()
    shutil.copytree(REPO / "gitops", tmp_path / "gitops")
    shutil.copytree(REPO / "bootstrap", tmp_path / "bootstrap")
    (tmp_path / "gitops/apps/extra-application.yaml").write_text(f"repoURL: {url}\n")
    assert files_naming(url, root=tmp_path) == [
        "gitops/apps/extra-application.yaml",
        "gitops/components/git-source/git-source.yaml",
    ]


def test_the_argocd_instance_is_configured():
    assert argocd_instance_is_configured(named(_bootstrap(), "ArgoCD", "argocd")) == []


def test_an_argocd_that_tracks_by_label_or_cannot_wait_for_children_is_rejected():
    argocd = named(_bootstrap(), "ArgoCD", "argocd")
    argocd["spec"]["resourceTrackingMethod"] = "label"
    argocd["spec"]["resourceHealthChecks"] = argocd["spec"]["resourceHealthChecks"][1:]
    assert argocd_instance_is_configured(argocd) == [
        "ArgoCD: resource tracking is not by annotation",
        "ArgoCD: no health check for Application",
    ]


def test_the_bootstrap_grants_only_namespaces():
    assert bootstrap_grants_only_namespaces(_bootstrap(), "llm-chat-gitops") == []


def test_cluster_wide_grants_and_floating_channels_are_rejected():
    docs = _bootstrap()
    named(docs, "Subscription", "openshift-gitops-operator")["spec"]["channel"] = (
        "latest"
    )
    (binding,) = [
        o
        for o in docs
        if o["kind"] == "RoleBinding"
        and o["metadata"]["namespace"] == "llm-chat-backend"
    ]
    docs.remove(binding)
    docs.append({**binding, "kind": "ClusterRoleBinding"})
    docs.append(
        {
            **binding,
            "metadata": {"name": "llm-chat-argocd-edit"},
            "roleRef": {**binding["roleRef"], "name": "edit"},
        }
    )
    assert bootstrap_grants_only_namespaces(docs, "llm-chat-gitops") == [
        "Subscription: channel latest is not pinned",
        "ClusterRoleBinding webhook-access-unauthenticated: cluster-wide permission",
        "RoleBinding llm-chat-argocd-edit: grants edit, not only the webhook",
    ]


def _projects():
    return [o for o in _bootstrap() if o["kind"] == "AppProject"]


def _root_and_children(apps):
    return kustomize("gitops/apps/root") + apps


def test_projects_allow_only_their_apps(apps):
    assert projects_allow_only_their_apps(_projects(), _root_and_children(apps)) == []


def _project(projects, name):
    (found,) = [p for p in projects if p["metadata"]["name"] == name]
    return found["spec"]


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda p: _project(p, "llm-chat-root")["namespaceResourceWhitelist"].append(
                {"group": "argoproj.io", "kind": "AppProject"}
            ),
            "AppProject llm-chat-root: allows argoproj.io/AppProject, "
            "which none deploys",
        ),
        (
            lambda p: _project(p, "llm-chat")["namespaceResourceWhitelist"].append(
                {"group": "*", "kind": "*"}
            ),
            "AppProject llm-chat: allows */*, which none deploys",
        ),
        (
            lambda p: _project(p, "llm-chat")["namespaceResourceWhitelist"].pop(),
            "AppProject llm-chat: Route is deployed but not allowed",
        ),
        (
            lambda p: _project(p, "llm-chat")["destinations"].append(
                {
                    "server": "https://kubernetes.default.svc",
                    "namespace": "llm-chat-gitops",
                }
            ),
            "AppProject llm-chat: destinations ['llm-chat-backend', "
            "'llm-chat-frontend', 'llm-chat-gitops'], its apps deploy into "
            "['llm-chat-backend', 'llm-chat-frontend']",
        ),
        (
            lambda p: _project(p, "llm-chat").update(
                clusterResourceWhitelist=[{"group": "", "kind": "Namespace"}]
            ),
            "AppProject llm-chat: allows cluster-scoped kinds",
        ),
        (
            lambda p: _project(p, "default").update(sourceRepos=["*"]),
            "AppProject default: not locked",
        ),
    ],
)
def test_a_project_that_allows_more_than_its_apps_deploy_is_rejected(
    apps, breakage, problem
):
    projects = _projects()
    breakage(projects)
    assert projects_allow_only_their_apps(projects, _root_and_children(apps)) == [
        problem
    ]


def test_a_child_in_the_open_default_project_is_rejected(apps):
    named(apps, "Application", "llm-chat-frontend")["spec"]["project"] = "default"
    assert projects_allow_only_their_apps(_projects(), _root_and_children(apps)) == [
        "llm-chat-frontend: project default is not one of ours",
        "AppProject llm-chat: allows /ServiceAccount, which none deploys",
        "AppProject llm-chat: allows route.openshift.io/Route, which none deploys",
    ]
