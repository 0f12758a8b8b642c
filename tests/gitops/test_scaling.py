import copy

import pytest

from tests.gitops.manifests import container, kustomize, named, topology
from tests.gitops.rules_scaling import (
    autoscaled_pods_spread_over_nodes,
    autoscaled_replicas_are_ignored,
    autoscalers_fit_their_deployments,
    budgets_cover_autoscaled_pods,
    limit_ranges_admit_every_container,
    nginx_read_timeout,
    peak_use,
    quantity,
    quotas_hold_the_peak,
    sandbox_blocks_nothing,
    streams_outlive_a_rollout,
)


@pytest.fixture
def bootstrap():
    return copy.deepcopy(kustomize("bootstrap/app-namespaces"))


def _in(docs, kind, namespace):
    """The one object of a kind in a namespace (both quotas are llm-chat)."""
    (found,) = [
        o for o in docs if o["kind"] == kind and o["metadata"]["namespace"] == namespace
    ]
    return found


def _pod(docs, deployment):
    return named(docs, "Deployment", deployment)["spec"]["template"]["spec"]


def test_quantities_read_as_kubernetes_does():
    assert quantity("500m") * 2 == quantity("1")
    assert quantity("384Mi") == 384 * 2**20
    assert quantity("1.5Gi") == 1536 * 2**20


def test_autoscalers_fit_their_deployments(cluster):
    assert autoscalers_fit_their_deployments(cluster) == []
    assert {
        o["spec"]["scaleTargetRef"]["name"]
        for o in cluster
        if o["kind"] == "HorizontalPodAutoscaler"
    } == {"backend", "frontend"}


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda d: named(d, "HorizontalPodAutoscaler", "backend")["spec"][
                "scaleTargetRef"
            ].update(name="api"),
            "HorizontalPodAutoscaler backend: scales no Deployment api of its "
            "namespace",
        ),
        (
            lambda d: named(d, "Deployment", "backend")["spec"].update(replicas=2),
            "Deployment backend: sets replicas, which HorizontalPodAutoscaler "
            "backend owns",
        ),
        (
            lambda d: named(d, "HorizontalPodAutoscaler", "backend")["spec"].update(
                minReplicas=1
            ),
            "HorizontalPodAutoscaler backend: bounds 1..6 are not 2 <= min <= max",
        ),
        (
            lambda d: named(d, "HorizontalPodAutoscaler", "backend")["spec"]["metrics"][
                0
            ]["resource"]["target"].update(averageUtilization=500),
            "HorizontalPodAutoscaler backend: CPU target 500% is not below the "
            "limit (500% of the request)",
        ),
    ],
)
def test_an_autoscaler_that_cannot_work_is_rejected(cluster, breakage, problem):
    breakage(cluster)
    assert autoscalers_fit_their_deployments(cluster) == [problem]


def test_budgets_cover_autoscaled_pods(cluster):
    assert budgets_cover_autoscaled_pods(cluster) == []


def test_a_budget_that_misses_its_pods_is_rejected(cluster):
    named(cluster, "PodDisruptionBudget", "frontend")["spec"]["selector"][
        "matchLabels"
    ] = {"app.kubernetes.io/name": "ui"}
    assert budgets_cover_autoscaled_pods(cluster) == [
        "frontend: autoscaled, but no PodDisruptionBudget",
        "PodDisruptionBudget frontend: selects no pod",
    ]


def test_a_budget_over_a_lone_pod_or_letting_two_go_is_rejected(cluster):
    backend = named(cluster, "PodDisruptionBudget", "backend")
    backend["spec"]["maxUnavailable"] = 2
    database = copy.deepcopy(backend)
    database["metadata"]["name"] = "postgresql"
    database["spec"]["selector"]["matchLabels"] = {
        "app.kubernetes.io/name": "postgresql"
    }
    cluster.append(database)
    assert budgets_cover_autoscaled_pods(cluster) == [
        "postgresql: a PodDisruptionBudget covers a lone pod",
        "PodDisruptionBudget backend: maxUnavailable is not 1",
    ]


def test_autoscaled_pods_spread_over_nodes(cluster):
    assert autoscaled_pods_spread_over_nodes(cluster) == []


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda s: s.pop("topologySpreadConstraints"),
            "autoscaled, but not spread over nodes",
        ),
        (
            lambda s: s["topologySpreadConstraints"][0]["labelSelector"].update(
                matchLabels={"app.kubernetes.io/name": "frontend"}
            ),
            "spread selector misses its own pods",
        ),
        (
            lambda s: s["topologySpreadConstraints"][0].update(
                whenUnsatisfiable="DoNotSchedule"
            ),
            "a node shortage would leave pods pending",
        ),
        (
            lambda s: s["topologySpreadConstraints"][0].update(
                topologyKey="topology.kubernetes.io/zone"
            ),
            "spreads over topology.kubernetes.io/zone",
        ),
    ],
)
def test_a_spread_that_does_not_spread_is_rejected(cluster, breakage, problem):
    breakage(_pod(cluster, "backend"))
    assert autoscaled_pods_spread_over_nodes(cluster) == [f"backend: {problem}"]


@pytest.mark.parametrize("part", ["backend", "frontend"])
def test_autoscaled_replicas_are_ignored(apps, part):
    app = named(apps, "Application", f"llm-chat-{part}")
    rendered = kustomize(app["spec"]["source"]["path"])
    assert autoscaled_replicas_are_ignored(app, rendered) == []


def test_an_autoscaled_replica_count_left_in_the_diff_is_rejected(apps):
    app = named(apps, "Application", "llm-chat-frontend")
    app["spec"]["ignoreDifferences"] = [
        e
        for e in app["spec"]["ignoreDifferences"]
        if "jsonPointers" not in e or "/spec/replicas" not in e["jsonPointers"]
    ]
    rendered = kustomize(app["spec"]["source"]["path"])
    assert autoscaled_replicas_are_ignored(app, rendered) == [
        "llm-chat-frontend: replicas of frontend not ignored"
    ]


def test_the_sandbox_blocks_nothing():
    assert sandbox_blocks_nothing(topology("sandbox")) == []


def test_the_cluster_overlay_would_block_the_sandbox(cluster):
    assert sorted(sandbox_blocks_nothing(cluster)) == [
        "HorizontalPodAutoscaler backend: not for the Sandbox",
        "HorizontalPodAutoscaler frontend: not for the Sandbox",
        "PodDisruptionBudget backend: not for the Sandbox",
        "PodDisruptionBudget frontend: not for the Sandbox",
    ]


def test_a_sandbox_with_two_pods_of_one_is_rejected():
    sandbox = copy.deepcopy(topology("sandbox"))
    named(sandbox, "Deployment", "frontend")["spec"]["replicas"] = 2
    assert sandbox_blocks_nothing(sandbox) == ["frontend: 2 replicas"]


def test_nginx_read_timeout_is_read_from_its_configuration():
    assert nginx_read_timeout() == 300


def test_streams_outlive_a_rollout(deployed):
    assert streams_outlive_a_rollout(deployed, nginx_read_timeout()) == []


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda d: _pod(d, "frontend").update(terminationGracePeriodSeconds=60),
            "frontend: grace period 60 s is shorter than the preStop's 10 s and "
            "the longest stream's 300 s",
        ),
        (
            lambda d: container(d, "frontend", "oauth-proxy").pop("lifecycle"),
            "frontend/oauth-proxy: no preStop, stops under the streams",
        ),
        (
            lambda d: container(d, "frontend", "frontend")["lifecycle"]["preStop"][
                "exec"
            ].update(command=["sleep", "10"]),
            "frontend: no container quits nginx gracefully after a sleep",
        ),
        (
            lambda d: container(d, "frontend", "oauth-proxy")["args"].append(
                "--upstream-timeout=900s"
            ),
            "frontend: grace period 330 s is shorter than the preStop's 10 s and "
            "the longest stream's 900 s",
        ),
    ],
)
def test_a_rollout_that_cuts_streams_is_rejected(cluster, breakage, problem):
    breakage(cluster)
    assert streams_outlive_a_rollout(cluster, nginx_read_timeout()) == [problem]


def test_a_longer_nginx_read_timeout_needs_a_longer_grace_period(cluster):
    assert streams_outlive_a_rollout(cluster, 600) == [
        "frontend: grace period 330 s is shorter than the preStop's 10 s and the "
        "longest stream's 600 s"
    ]


def test_the_peak_counts_autoscaler_maximum_surge_and_builds(cluster):
    peak = peak_use(cluster)
    # 6 backend pods + 1 surge, the database, two builds.
    assert peak["llm-chat-backend"]["pods"] == 10
    assert peak["llm-chat-frontend"]["pods"] == 7
    assert peak["llm-chat-frontend"]["requests.cpu"] == quantity("700m")
    assert peak["llm-chat-backend"]["limits.memory"] == quantity("5248Mi")


def test_quotas_hold_the_peak(cluster, bootstrap):
    assert quotas_hold_the_peak(cluster, bootstrap) == []


def test_an_autoscaler_maximum_the_quota_cannot_hold_is_rejected(cluster, bootstrap):
    named(cluster, "HorizontalPodAutoscaler", "backend")["spec"]["maxReplicas"] = 12
    assert quotas_hold_the_peak(cluster, bootstrap) == [
        "llm-chat-backend: limits.cpu 8 < 9000m at the peak",
        "llm-chat-backend: limits.memory 7Gi < 7552Mi at the peak",
        "llm-chat-backend: pods 14 < 16 at the peak",
        "llm-chat-backend: requests.memory 5Gi < 5440Mi at the peak",
    ]


def test_a_build_the_quota_cannot_hold_is_rejected(cluster, bootstrap):
    named(cluster, "BuildConfig", "frontend-bundle")["spec"]["resources"]["limits"][
        "memory"
    ] = "3Gi"
    assert quotas_hold_the_peak(cluster, bootstrap) == [
        "llm-chat-frontend: limits.memory 4Gi < 4704Mi at the peak"
    ]


def test_a_namespace_without_a_quota_is_rejected(cluster, bootstrap):
    _in(bootstrap, "ResourceQuota", "llm-chat-backend")["spec"]["hard"].pop(
        "limits.cpu"
    )
    bootstrap.remove(_in(bootstrap, "ResourceQuota", "llm-chat-frontend"))
    assert quotas_hold_the_peak(cluster, bootstrap) == [
        "llm-chat-backend: the quota sets no limits.cpu",
        "llm-chat-frontend: no ResourceQuota",
    ]


def test_limit_ranges_admit_every_container(cluster, bootstrap):
    assert limit_ranges_admit_every_container(cluster, bootstrap) == []


def test_a_container_above_the_limit_range_is_rejected(cluster, bootstrap):
    container(cluster, "backend", "backend")["resources"]["limits"]["memory"] = "2Gi"
    _in(bootstrap, "LimitRange", "llm-chat-backend")["spec"]["limits"][0].pop("default")
    assert limit_ranges_admit_every_container(cluster, bootstrap) == [
        "llm-chat-backend: LimitRange has no default cpu and memory",
        "backend/backend: memory limit 2Gi above the LimitRange's max 1Gi",
    ]
