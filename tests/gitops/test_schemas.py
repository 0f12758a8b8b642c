import copy

import pytest

from tests.gitops import schemas
from tests.gitops.manifests import kustomization_dirs, kustomize


@pytest.mark.parametrize("path", kustomization_dirs())
def test_every_rendered_object_validates(path):
    assert [line for obj in kustomize(path) for line in schemas.problems(obj)] == []


@pytest.mark.parametrize("script", ["install.sh", "sandbox.sh"])
def test_every_object_a_bootstrap_applies_validates(dry_runs, script):
    _, docs, _ = dry_runs[script]
    assert [line for obj in docs for line in schemas.problems(obj)] == []


def _first(path, kind):
    return copy.deepcopy(next(o for o in kustomize(path) if o["kind"] == kind))


@pytest.mark.parametrize(
    ("path", "kind", "breakage", "problem"),
    [
        (
            "gitops/backend/base",
            "Deployment",
            lambda o: o["spec"].update(replica=2),
            "Deployment backend: spec: "
            "Additional properties are not allowed ('replica' was unexpected)",
        ),
        (
            "gitops/backend/base",
            "Service",
            lambda o: o["spec"]["ports"][0].update(port="8000"),
            "Service backend-service: spec/ports/0/port: "
            "'8000' is not of type 'integer'",
        ),
        (
            "gitops/frontend/base",
            "Route",
            lambda o: o["spec"]["tls"].update(
                insecureEdgeTerminationPolicy="Allow", redirect=True
            ),
            "Route frontend-route: spec/tls: "
            "Additional properties are not allowed ('redirect' was unexpected)",
        ),
        (
            "gitops/builds/base",
            "BuildConfig",
            lambda o: o["spec"]["source"].update(context="apps/backend"),
            "BuildConfig backend: spec/source: "
            "Additional properties are not allowed ('context' was unexpected)",
        ),
        (
            "gitops/apps",
            "Application",
            lambda o: o["spec"].pop("destination"),
            "Application llm-chat-backend: spec: 'destination' is a required property",
        ),
        (
            "bootstrap/argocd",
            "ArgoCD",
            lambda o: o["spec"].update(resourceTracking="annotation"),
            "ArgoCD argocd: spec: Additional properties are not allowed "
            "('resourceTracking' was unexpected)",
        ),
        (
            "bootstrap/operator",
            "Subscription",
            lambda o: o["spec"].pop("name"),
            "Subscription openshift-gitops-operator: "
            "spec: 'name' is a required property",
        ),
    ],
)
def test_an_object_off_its_schema_is_rejected(path, kind, breakage, problem):
    obj = _first(path, kind)
    breakage(obj)
    assert schemas.problems(obj) == [problem]


def test_a_kind_without_a_schema_is_rejected():
    obj = {
        "apiVersion": "route.openshift.io/v1",
        "kind": "Router",
        "metadata": {"name": "r"},
    }
    assert schemas.problems(obj) == [
        "Router r: no schema for route.openshift.io/v1 Router"
    ]
