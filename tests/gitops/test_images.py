import json

import pytest

from tests.gitops.manifests import kustomize, named, topology
from tests.gitops.rules_images import (
    buildconfigs_trigger_and_are_bounded,
    chained_build_lands_at_web_root,
    image_triggers_resolve,
    image_updates_wait_for_a_person,
    webhooks_reach_every_build_namespace,
)


def test_image_triggers_resolve(deployed):
    assert image_triggers_resolve(deployed) == []


def _retrigger(docs, deployment, triggers):
    annotations = named(docs, "Deployment", deployment)["metadata"]["annotations"]
    annotations["image.openshift.io/triggers"] = json.dumps(triggers)


def _trigger(tag, container, namespace=None, field="containers"):
    reference = {"kind": "ImageStreamTag", "name": tag}
    if namespace:
        reference["namespace"] = namespace
    path = f'spec.template.spec.{field}[?(@.name=="{container}")].image'
    return {"from": reference, "fieldPath": path}


@pytest.mark.parametrize(
    ("triggers", "problem"),
    [
        (
            [_trigger("frontend:stable", "frontend")],
            "frontend: frontend:stable: neither built nor imported",
        ),
        (
            [_trigger("web:latest", "frontend")],
            "frontend: web:latest: no ImageStream web",
        ),
        (
            [_trigger("frontend:latest", "web")],
            "frontend: trigger fieldPath names no container",
        ),
        ([], "frontend/frontend: image not rolled by a trigger"),
    ],
)
def test_a_trigger_on_an_unbuilt_tag_or_missing_container_is_rejected(
    cluster, triggers, problem
):
    _retrigger(cluster, "frontend", triggers)
    assert problem in image_triggers_resolve(cluster)


def test_an_init_container_left_out_of_the_triggers_is_rejected(cluster):
    _retrigger(cluster, "backend", [_trigger("backend:latest", "backend")])
    assert image_triggers_resolve(cluster) == [
        "backend/migrate: image not rolled by a trigger"
    ]


def test_a_source_image_that_no_build_produces_is_rejected(cluster):
    source = named(cluster, "BuildConfig", "frontend")["spec"]["source"]
    source["images"][0]["from"]["name"] = "bundle:latest"
    assert (
        "BuildConfig frontend: bundle:latest: no ImageStream bundle"
        in image_triggers_resolve(cluster)
    )


def test_buildconfigs_trigger_and_are_bounded(deployed):
    assert buildconfigs_trigger_and_are_bounded(deployed) == []


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda s: s.update(
                triggers=[t for t in s["triggers"] if t["type"] != "ConfigChange"]
            ),
            "no ConfigChange trigger",
        ),
        (
            lambda s: s.update(
                triggers=[t for t in s["triggers"] if t["type"] != "GitHub"]
            ),
            "no GitHub webhook",
        ),
        (
            lambda s: s["triggers"][2].update(generic={"secret": "in-git"}),
            "Generic webhook secret is not a reference",
        ),
        (lambda s: s["resources"].pop("limits"), "no memory limits"),
        (
            lambda s: s["source"].update(contextDir="apps/api"),
            "contextDir apps/api does not exist",
        ),
    ],
)
def test_a_buildconfig_without_its_triggers_or_limits_is_rejected(
    cluster, breakage, problem
):
    breakage(named(cluster, "BuildConfig", "backend")["spec"])
    assert f"BuildConfig backend: {problem}" in buildconfigs_trigger_and_are_bounded(
        cluster
    )


def test_the_chained_bundle_lands_at_the_nginx_web_root(deployed):
    assert chained_build_lands_at_web_root(deployed) == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (
            {"sourcePath": "/opt/app-root/src/dist/.", "destinationDir": "."},
            "BuildConfig frontend: destinationDir . is not contextDir",
        ),
        (
            {
                "sourcePath": "/opt/app-root/src/dist",
                "destinationDir": "apps/frontend/nginx",
            },
            "BuildConfig frontend: "
            "/opt/app-root/src/dist would copy the directory itself",
        ),
    ],
)
def test_a_bundle_copied_beside_the_web_root_is_rejected(cluster, path, problem):
    named(cluster, "BuildConfig", "frontend")["spec"]["source"]["images"][0][
        "paths"
    ] = [path]
    assert chained_build_lands_at_web_root(cluster) == [problem]


def test_image_updates_wait_for_a_person(deployed):
    assert image_updates_wait_for_a_person(deployed) == []


def _tag(docs, stream):
    (tag,) = named(docs, "ImageStream", stream)["spec"]["tags"]
    return tag


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda docs: named(docs, "BuildConfig", "backend")["spec"][
                "triggers"
            ].append({"type": "ImageChange", "imageChange": {}}),
            "BuildConfig backend: rebuilds by itself when python:3.12-ubi9 is imported",
        ),
        (
            lambda docs: _tag(docs, "postgresql")["importPolicy"].update(
                scheduled=True
            ),
            "postgresql:15-el9: a scheduled import would roll its Deployment",
        ),
        (
            lambda docs: _tag(docs, "nodejs")["importPolicy"].update(scheduled=False),
            "nodejs:22-ubi9: not re-imported on a schedule",
        ),
        (
            lambda docs: _tag(docs, "python")["from"].update(
                name="docker.io/library/python:3.12"
            ),
            "python:3.12-ubi9: imported from outside Red Hat's registries",
        ),
        (
            lambda docs: _tag(docs, "nginx")["referencePolicy"].update(type="Source"),
            "nginx:1.26-ubi9: not pulled through the cluster's registry",
        ),
    ],
)
def test_an_image_update_that_rolls_production_unasked_is_rejected(
    cluster, breakage, problem
):
    breakage(cluster)
    assert image_updates_wait_for_a_person(cluster) == [problem]


def test_a_builder_left_in_another_namespace_is_rejected(cluster):
    named(cluster, "ImageStream", "python")["metadata"]["namespace"] = (
        "llm-chat-frontend"
    )
    assert image_triggers_resolve(cluster) == [
        "BuildConfig backend: python:3.12-ubi9: no ImageStream python",
        "BuildConfig backend-local: python:3.12-ubi9: no ImageStream python",
    ]


def _with_bootstrap(docs):
    """On a full cluster the bootstrap creates the webhook bindings."""
    return docs + kustomize("bootstrap/app-namespaces")


def test_webhooks_reach_every_build_namespace(cluster):
    assert webhooks_reach_every_build_namespace(_with_bootstrap(cluster)) == []


def test_webhooks_reach_the_sandbox_namespace():
    sandbox = topology("sandbox")
    assert webhooks_reach_every_build_namespace(sandbox) == []


def test_a_build_namespace_closed_to_github_is_rejected(cluster):
    docs = _with_bootstrap(cluster)
    (binding,) = [
        o
        for o in docs
        if o["kind"] == "RoleBinding"
        and o["metadata"]["namespace"] == "llm-chat-frontend"
    ]
    binding["subjects"][0]["name"] = "system:authenticated"
    assert webhooks_reach_every_build_namespace(docs) == [
        "llm-chat-frontend: no RoleBinding of system:webhook to system:unauthenticated"
    ]
    assert webhooks_reach_every_build_namespace(cluster) == [
        "llm-chat-backend: no RoleBinding of system:webhook to system:unauthenticated",
        "llm-chat-frontend: no RoleBinding of system:webhook to system:unauthenticated",
    ]
