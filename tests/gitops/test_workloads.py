import pytest

from tests.gitops.manifests import container, named
from tests.gitops.rules_workloads import (
    containers_are_hardened,
    django_probes_send_an_allowed_host,
    env_references_resolve,
    no_deploymentconfigs,
    routes_are_edge_tls_to_a_service,
    services_reach_pods,
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
        8081
    )
    assert services_reach_pods(cluster) == [
        "Service frontend-service: targetPort 8081 is no port of frontend"
    ]


def test_the_route_is_edge_tls_to_a_service(deployed):
    assert routes_are_edge_tls_to_a_service(deployed) == []


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
        (lambda r: r["spec"]["tls"].update(termination="passthrough"), "not edge"),
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
    assert any(problem in line for line in routes_are_edge_tls_to_a_service(cluster))


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
            lambda env: _var(env, "APPS_DOMAIN")["valueFrom"]["configMapKeyRef"].update(
                key="domain"
            ),
            "backend/backend: ConfigMap cluster-ingress declares no key domain",
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


def test_workloads_carry_topology_labels(deployed):
    assert workloads_carry_topology_labels(deployed) == []
    assert (
        "backend"
        in named(deployed, "Deployment", "frontend")["metadata"]["annotations"][
            "app.openshift.io/connects-to"
        ]
    )
    assert (
        "postgresql"
        in named(deployed, "Deployment", "backend")["metadata"]["annotations"][
            "app.openshift.io/connects-to"
        ]
    )


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
        "frontend: connects-to names no Deployment api",
    ]
