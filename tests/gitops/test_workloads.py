import shutil

import pytest

from tests.gitops.manifests import REPO, container, kustomize, named, topology
from tests.gitops.rules_workloads import (
    backend_url_names_a_service_in_full,
    config_changes_reach_pods,
    containers_are_hardened,
    django_probes_send_an_allowed_host,
    env_references_resolve,
    no_deploymentconfigs,
    routes_are_reencrypt_tls_to_a_service,
    services_reach_pods,
    volumes_outlive_argo_cd,
    workloads_carry_topology_labels,
)


def test_containers_are_hardened(deployed):
    assert containers_are_hardened(deployed) == []


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (lambda c: c.pop("livenessProbe"), "backend/backend: no livenessProbe"),
        (lambda c: c.pop("startupProbe"), "backend/backend: no startupProbe"),
        (
            lambda c: c["resources"]["limits"].pop("memory"),
            "backend/backend: no memory limits",
        ),
        (
            lambda c: c.pop("imagePullPolicy"),
            "backend/backend: no explicit imagePullPolicy",
        ),
        (
            lambda c: c["securityContext"].update(allowPrivilegeEscalation=True),
            "backend/backend: allowPrivilegeEscalation is not false",
        ),
        (
            lambda c: c["securityContext"]["capabilities"].update(drop=["NET_RAW"]),
            "backend/backend: capabilities do not drop ALL",
        ),
        (
            lambda c: c["securityContext"].update(runAsUser=1000),
            "backend/backend: fixed runAsUser (restricted-v2 assigns one)",
        ),
    ],
)
def test_a_container_without_its_guard_is_rejected(cluster, breakage, problem):
    breakage(container(cluster, "backend", "backend"))
    assert problem in containers_are_hardened(cluster)


def test_a_pod_without_runtime_default_seccomp_is_rejected(cluster):
    named(cluster, "Deployment", "frontend")["spec"]["template"]["spec"].pop(
        "securityContext"
    )
    container(cluster, "frontend", "frontend")["securityContext"].pop("seccompProfile")
    assert containers_are_hardened(cluster) == [
        "frontend/frontend: seccompProfile is not RuntimeDefault"
    ]


def test_no_deploymentconfig_is_used(deployed):
    assert no_deploymentconfigs(deployed) == []
    deployed.append({"kind": "DeploymentConfig", "metadata": {"name": "old"}})
    assert no_deploymentconfigs(deployed) == ["DeploymentConfig old: use a Deployment"]


def test_django_probes_send_an_allowed_host(deployed):
    assert django_probes_send_an_allowed_host(deployed) == []


def test_a_django_probe_with_the_kubelets_host_is_rejected(cluster):
    container(cluster, "backend", "backend")["readinessProbe"]["httpGet"].pop(
        "httpHeaders"
    )
    assert django_probes_send_an_allowed_host(cluster) == [
        "backend/backend readinessProbe: "
        "no Host header that DJANGO_ALLOWED_HOSTS allows"
    ]


def test_services_reach_pods(deployed):
    assert services_reach_pods(deployed) == []


def test_a_service_selecting_no_pod_is_rejected(cluster):
    named(cluster, "Service", "backend-service")["spec"]["selector"] = {
        "app.kubernetes.io/name": "api"
    }
    assert services_reach_pods(cluster) == [
        "Service backend-service: selector matches no pod"
    ]


def test_a_service_target_port_missing_on_the_container_is_rejected(cluster):
    named(cluster, "Service", "frontend-service")["spec"]["ports"][0]["targetPort"] = (
        8080
    )
    assert services_reach_pods(cluster) == [
        "Service frontend-service: targetPort 8080 is no port of frontend"
    ]


def test_the_route_is_reencrypt_tls_to_a_service(deployed):
    assert routes_are_reencrypt_tls_to_a_service(deployed) == []


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda r: r["spec"]["to"].update(name="backend-service"),
            "no Service backend-service",
        ),
        (
            lambda r: r["spec"]["port"].update(targetPort="web"),
            "port web is not on Service",
        ),
        (lambda r: r["spec"].update(host="chat.example.com"), "hard-coded host"),
        (lambda r: r["spec"]["tls"].update(termination="edge"), "not reencrypt"),
        (
            lambda r: r["spec"]["tls"].pop("insecureEdgeTerminationPolicy"),
            "not redirected",
        ),
        (
            lambda r: r["metadata"]["annotations"].update(
                {"haproxy.router.openshift.io/timeout": "90s"}
            ),
            "router timeout not above LLM_TIMEOUT",
        ),
    ],
)
def test_a_broken_route_is_rejected(cluster, breakage, problem):
    breakage(named(cluster, "Route", "frontend-route"))
    assert any(
        problem in line for line in routes_are_reencrypt_tls_to_a_service(cluster)
    )


def test_env_references_resolve(deployed, templates):
    assert env_references_resolve(deployed, templates) == []


def _var(env, name):
    (found,) = [var for var in env if var["name"] == name]
    return found


def _move_first(env, name):
    env.insert(0, env.pop(env.index(_var(env, name))))


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda env: _var(env, "DJANGO_SECRET_KEY")["valueFrom"][
                "secretKeyRef"
            ].update(key="SECRET_KEY"),
            "backend/backend: Secret litellm-secrets declares no key SECRET_KEY",
        ),
        (
            lambda env: _var(env, "FRONTEND_HOST")["valueFrom"][
                "configMapKeyRef"
            ].update(key="apps-domain"),
            "backend/backend: ConfigMap cluster-ingress declares no key apps-domain",
        ),
        (
            lambda env: _move_first(env, "DATABASE_URL"),
            "backend/backend: DATABASE_URL uses $(DATABASE_USER) before it is set",
        ),
    ],
)
def test_an_env_reference_to_nothing_is_rejected(cluster, templates, breakage, problem):
    breakage(container(cluster, "backend", "backend")["env"])
    assert problem in env_references_resolve(cluster, templates)


def test_an_env_from_an_undeclared_configmap_is_rejected(cluster, templates):
    container(cluster, "backend", "migrate")["envFrom"][0]["configMapRef"]["name"] = (
        "settings"
    )
    assert env_references_resolve(cluster, templates) == [
        "backend/migrate: envFrom ConfigMap settings is not declared"
    ]


def _connects_to(docs, deployment):
    annotations = named(docs, "Deployment", deployment)["metadata"]["annotations"]
    return annotations.get("app.openshift.io/connects-to", "")


def test_workloads_carry_topology_labels(deployed):
    assert workloads_carry_topology_labels(deployed) == []
    assert "postgresql" in _connects_to(deployed, "backend")


def test_the_frontend_connects_to_the_backend_only_where_they_share_a_namespace():
    assert "backend" in _connects_to(topology("sandbox"), "frontend")
    assert _connects_to(topology("cluster"), "frontend") == ""


def test_a_workload_without_runtime_label_or_with_a_dangling_connection_is_rejected(
    cluster,
):
    frontend = named(cluster, "Deployment", "frontend")
    frontend["spec"]["template"]["metadata"]["labels"].pop("app.openshift.io/runtime")
    frontend["metadata"]["annotations"]["app.openshift.io/connects-to"] = (
        '[{"name": "api"}]'
    )
    assert workloads_carry_topology_labels(cluster) == [
        "frontend pod: no app.openshift.io/runtime",
        "frontend: connects-to names no Deployment api in its namespace",
    ]


def test_a_connection_across_namespaces_is_rejected(cluster):
    named(cluster, "Deployment", "frontend")["metadata"]["annotations"][
        "app.openshift.io/connects-to"
    ] = '[{"apiVersion":"apps/v1","kind":"Deployment","name":"backend"}]'
    assert workloads_carry_topology_labels(cluster) == [
        "frontend: connects-to names no Deployment backend in its namespace"
    ]


def test_volumes_outlive_argo_cd(deployed):
    assert volumes_outlive_argo_cd(deployed) == []


def test_a_volume_that_a_sync_may_prune_is_rejected(cluster):
    named(cluster, "PersistentVolumeClaim", "postgresql-data")["metadata"][
        "annotations"
    ]["argocd.argoproj.io/sync-options"] = "Delete=false"
    assert volumes_outlive_argo_cd(cluster) == [
        "PersistentVolumeClaim postgresql-data: no Prune=false"
    ]


@pytest.fixture
def gitops_copy(tmp_path):
    """A fresh copy of gitops/ per call (kustomize renders are cached by path)."""
    copies = iter(range(10))

    def copy(source=REPO / "gitops"):
        target = tmp_path / str(next(copies)) / "gitops"
        shutil.copytree(source, target)
        return target

    return copy


def _change_model(gitops):
    settings = gitops / "backend/base/backend-config.env"
    text = settings.read_text()
    assert "LLM_MODEL=hosted_vllm/" in text
    settings.write_text(text.replace("LLM_MODEL=hosted_vllm/", "LLM_MODEL=openai/"))


@pytest.mark.parametrize("overlay", ["cluster", "sandbox"])
def test_a_config_change_rolls_the_pods_that_read_it(gitops_copy, overlay):
    path = f"backend/overlays/{overlay}"
    changed = gitops_copy()
    _change_model(changed)
    before, after = kustomize(f"gitops/{path}"), kustomize(changed / path)
    assert config_changes_reach_pods(before, after) == []
    assert named(before, "Deployment", "backend") != named(
        after, "Deployment", "backend"
    )


def test_a_config_map_without_the_content_hash_is_rejected(gitops_copy):
    unhashed = gitops_copy()
    kustomization = unhashed / "backend/base/kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text() + "generatorOptions:\n  disableNameSuffixHash: true\n"
    )
    changed = gitops_copy(unhashed)
    _change_model(changed)
    before = kustomize(unhashed / "backend/overlays/cluster")
    after = kustomize(changed / "backend/overlays/cluster")
    assert config_changes_reach_pods(before, after) == [
        "backend: pods keep the old backend-config"
    ]


def test_the_backend_url_names_a_service_in_full(deployed):
    assert backend_url_names_a_service_in_full(deployed) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "http://backend-service:8000",
            "BACKEND_URL http://backend-service:8000 is not a Service's full name",
        ),
        (
            "http://backend-service.llm-chat-frontend.svc.cluster.local:8000",
            "BACKEND_URL http://backend-service.llm-chat-frontend.svc.cluster.local"
            ":8000 reaches no Service port",
        ),
    ],
)
def test_a_backend_url_nginx_cannot_resolve_is_rejected(cluster, url, problem):
    env = container(cluster, "frontend", "frontend")["env"]
    _var(env, "BACKEND_URL")["value"] = url
    assert backend_url_names_a_service_in_full(cluster) == [
        f"frontend/frontend: {problem}"
    ]
