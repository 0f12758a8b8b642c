"""The Lua health checks of the ArgoCD instance, run in Lua 5.1 (the dialect of
Argo CD's gopher-lua) on the objects Argo CD would hand them."""

import pytest
from lupa import lua51

from tests.gitops.manifests import kustomize, named


def _checks():
    argocd = named(kustomize("bootstrap/argocd"), "ArgoCD", "argocd")
    return {c["kind"]: c["check"] for c in argocd["spec"]["resourceHealthChecks"]}


def assess(check, obj):
    """(status, message) as Argo CD would read them from the check."""
    lua = lua51.LuaRuntime()
    lua.globals().obj = lua.table_from(obj, recursive=True)
    result = lua.execute(check)
    return result["status"], result["message"]


APPLICATION = [
    ({}, ("Progressing", "")),
    ({"status": {"health": {"status": "Healthy"}}}, ("Healthy", "")),
    (
        {"status": {"health": {"status": "Degraded", "message": "backoff"}}},
        ("Degraded", "backoff"),
    ),
]
BUILD = [
    ({}, ("Progressing", "Build is running")),
    ({"status": {"phase": "Running"}}, ("Progressing", "Build is running")),
    ({"status": {"phase": "Complete"}}, ("Healthy", "Build complete")),
    (
        {"status": {"phase": "Failed", "message": "Assemble failed"}},
        ("Degraded", "Assemble failed"),
    ),
    ({"status": {"phase": "Cancelled"}}, ("Degraded", "Cancelled")),
]
IMAGESTREAM = [
    ({}, ("Progressing", "Waiting for a build to push an image")),
    (
        {"status": {"tags": [{"tag": "latest", "items": []}]}},
        ("Progressing", "Waiting for a build to push an image"),
    ),
    (
        {"status": {"tags": [{"tag": "latest", "items": [{"image": "sha256:1"}]}]}},
        ("Healthy", "Image pushed"),
    ),
    (
        {
            "status": {
                "tags": [
                    {
                        "tag": "3.12-ubi9",
                        "conditions": [
                            {
                                "type": "ImportSuccess",
                                "status": "False",
                                "message": "dial tcp: i/o timeout",
                            }
                        ],
                    }
                ]
            }
        },
        ("Degraded", "dial tcp: i/o timeout"),
    ),
]
CASES = [
    *[("Application", obj, expected) for obj, expected in APPLICATION],
    *[("Build", obj, expected) for obj, expected in BUILD],
    *[("ImageStream", obj, expected) for obj, expected in IMAGESTREAM],
]


@pytest.mark.parametrize(("kind", "obj", "expected"), CASES)
def test_health_checks_assess_like_the_controller_they_replace(kind, obj, expected):
    assert assess(_checks()[kind], obj) == expected


def test_a_check_that_calls_an_empty_image_stream_healthy_is_rejected():
    always_healthy = 'return {status = "Healthy", message = "Image pushed"}'
    assert [
        expected
        for obj, expected in IMAGESTREAM
        if assess(always_healthy, obj) != expected
    ] == [
        ("Progressing", "Waiting for a build to push an image"),
        ("Progressing", "Waiting for a build to push an image"),
        ("Degraded", "dial tcp: i/o timeout"),
    ]
