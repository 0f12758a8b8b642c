import json

import pytest

from tests.gitops.manifests import named
from tests.gitops.rules_images import (
    buildconfigs_trigger_and_are_bounded,
    chained_build_lands_at_web_root,
    image_triggers_resolve,
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
            "frontend: frontend:stable: no BuildConfig outputs it",
        ),
        (
            [_trigger("nginx:latest", "frontend")],
            "frontend: nginx:latest: no ImageStream nginx",
        ),
        (
            [_trigger("nginx:1.20-ubi8", "frontend", namespace="openshift")],
            "frontend: openshift/nginx:1.20-ubi8 is not a cluster image we rely on",
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
                triggers=[t for t in s["triggers"] if t["type"] != "ImageChange"]
            ),
            "no ImageChange trigger on its builder",
        ),
        (
            lambda s: s.update(
                triggers=[t for t in s["triggers"] if t["type"] != "GitHub"]
            ),
            "no GitHub webhook",
        ),
        (
            lambda s: s["triggers"][3].update(generic={"secret": "in-git"}),
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
