import pytest

from tests.gitops import schemas
from tests.gitops.manifests import container, kustomize, named
from tests.gitops.rules_versions import (
    OLDEST,
    SAMPLES,
    rely_on_no_cluster_samples,
    shipped_by,
)


def test_the_samples_data_covers_every_supported_release():
    assert OLDEST == "4.14"
    assert list(SAMPLES["versions"]) == [f"4.{minor}" for minor in range(14, 22)]
    assert schemas.KUBERNETES_VERSION == "1.27"


@pytest.mark.parametrize(
    ("reference", "first"),
    [
        ("python:3.12-ubi9", "4.17"),
        ("nodejs:22-ubi9", "4.19"),
        ("nginx:1.26-ubi9", "4.20"),
        ("postgresql:15-el9", "4.14"),
    ],
)
def test_the_samples_data_shows_when_each_former_builder_arrived(reference, first):
    """The tags the manifests used to take from the openshift namespace."""
    assert shipped_by(reference)[0] == first


def test_no_manifest_relies_on_the_cluster_samples(deployed):
    assert rely_on_no_cluster_samples(deployed) == []


def test_a_builder_from_the_samples_is_rejected(cluster):
    strategy = named(cluster, "BuildConfig", "backend")["spec"]["strategy"]
    strategy["sourceStrategy"]["from"].update(
        namespace="openshift", name="python:3.12-ubi9"
    )
    container(cluster, "postgresql", "postgresql")["image"] = (
        "image-registry.openshift-image-registry.svc:5000/openshift/postgresql:15-el9"
    )
    assert rely_on_no_cluster_samples(cluster) == [
        "BuildConfig backend: openshift/python:3.12-ubi9 needs the cluster's "
        "samples (shipped from 4.17; oldest supported 4.14)",
        "Deployment postgresql: openshift/postgresql:15-el9 needs the cluster's "
        "samples (shipped from 4.14; oldest supported 4.14)",
    ]


def test_an_api_the_oldest_release_lacks_is_rejected():
    """flowcontrol.apiserver.k8s.io/v1 arrived in Kubernetes 1.29."""
    schema = {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": {"name": "chat"},
        "spec": {"priorityLevelConfiguration": {"name": "workload-low"}},
    }
    assert schemas.problems(schema) == [
        "FlowSchema chat: Couldn't find schema for kind FlowSchema with api version "
        "flowcontrol.apiserver.k8s.io/v1 for kubernetes version 1.27"
    ]


def test_a_field_the_oldest_release_lacks_is_rejected():
    """Sidecar init containers (restartPolicy: Always) arrived in Kubernetes 1.28."""
    (deployment,) = [
        o for o in kustomize("gitops/backend/base") if o["kind"] == "Deployment"
    ]
    deployment["spec"]["template"]["spec"]["initContainers"][0]["restartPolicy"] = (
        "Always"
    )
    assert schemas.problems(deployment) == [
        "Deployment backend: spec/template/spec/initContainers/0: Additional "
        "properties are not allowed ('restartPolicy' was unexpected)"
    ]
