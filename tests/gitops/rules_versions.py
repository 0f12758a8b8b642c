"""Rules for the OpenShift releases we support, oldest first: what their
samples operator ships (data/openshift-samples.json, read from
openshift/cluster-samples-operator) and which Kubernetes they run."""

import json
import re
from pathlib import Path

from tests.gitops.manifests import namespace_of
from tests.gitops.rules_images import image_triggers

SAMPLES = json.loads(
    (Path(__file__).parent / "data/openshift-samples.json").read_text()
)
OLDEST = SAMPLES["oldest_supported"]
INTERNAL_REGISTRY = re.compile(
    r"image-registry\.openshift-image-registry\.svc:5000/openshift/([^@]+)$"
)


def _version_key(version):
    return tuple(int(part) for part in version.split("."))


def shipped_by(reference, samples=SAMPLES):
    """The versions whose samples ship "stream:tag", oldest first."""
    stream, _, tag = reference.partition(":")
    return sorted(
        (
            version
            for version, release in samples["versions"].items()
            if tag in release["imagestreams"].get(stream, [])
        ),
        key=_version_key,
    )


def openshift_namespace_images(docs):
    """(where, "stream:tag") for every image taken from the openshift namespace."""
    for obj in docs:
        name = f"{obj['kind']} {obj['metadata']['name']}"
        references = []
        if obj["kind"] == "BuildConfig":
            spec = obj["spec"]
            references.append(spec["strategy"]["sourceStrategy"]["from"])
            references += [i["from"] for i in spec["source"].get("images", [])]
            references += [
                t["imageChange"]["from"]
                for t in spec.get("triggers", [])
                if t["type"] == "ImageChange" and t["imageChange"].get("from")
            ]
        if obj["kind"] == "Deployment":
            references += [reference for reference, _, _ in image_triggers(obj)]
            spec = obj["spec"]["template"]["spec"]
            for container in spec.get("containers", []) + spec.get(
                "initContainers", []
            ):
                match = INTERNAL_REGISTRY.match(container.get("image", ""))
                if match:
                    yield name, match[1]
        for reference in references:
            if reference.get("namespace", namespace_of(obj)) == "openshift":
                yield name, reference["name"]


def rely_on_no_cluster_samples(docs, samples=SAMPLES):
    """No image from the openshift namespace: each release's samples operator
    ships other tags, and a cluster whose samples operator is Removed has none."""
    problems = []
    for where, reference in openshift_namespace_images(docs):
        versions = shipped_by(reference, samples)
        since = f"shipped from {versions[0]}" if versions else "shipped by none"
        problems.append(
            f"{where}: openshift/{reference} needs the cluster's samples "
            f"({since}; oldest supported {samples['oldest_supported']})"
        )
    return problems
