"""Rules for ImageStreams, BuildConfigs and the image triggers that join them."""

import json
import re

from tests.gitops.manifests import REPO, namespace_of

# Tags the cluster's samples operator keeps in the openshift namespace.
CLUSTER_IMAGES = {
    "python:3.12-ubi9",
    "nodejs:22-ubi9",
    "nginx:1.26-ubi9",
    "postgresql:15-el9",
}
FIELD_PATH = re.compile(
    r'spec\.template\.spec\.(containers|initContainers)\[\?\(@\.name=="([^"]+)"\)\]\.image'
)


def image_triggers(obj):
    """(ImageStreamTag reference, container list, container name) per trigger."""
    raw = obj["metadata"].get("annotations", {}).get("image.openshift.io/triggers")
    for trigger in json.loads(raw) if raw else []:
        match = FIELD_PATH.fullmatch(trigger["fieldPath"])
        yield trigger["from"], match[1] if match else None, match[2] if match else None


def _built_tags(docs):
    return {
        (namespace_of(o), o["spec"]["output"]["to"]["name"])
        for o in docs
        if o["kind"] == "BuildConfig"
    }


def _streams(docs):
    return {
        (namespace_of(o), o["metadata"]["name"])
        for o in docs
        if o["kind"] == "ImageStream"
    }


def _resolves(reference, namespace, docs):
    """Problem with an ImageStreamTag reference, or None."""
    if reference.get("kind") != "ImageStreamTag":
        return f"{reference.get('name')} is not an ImageStreamTag"
    name, ns = reference["name"], reference.get("namespace", namespace)
    if ns == "openshift":
        return (
            None
            if name in CLUSTER_IMAGES
            else f"openshift/{name} is not a cluster image we rely on"
        )
    if (ns, name.split(":")[0]) not in _streams(docs):
        return f"{name}: no ImageStream {name.split(':')[0]}"
    if (ns, name) not in _built_tags(docs):
        return f"{name}: no BuildConfig outputs it"
    return None


def image_triggers_resolve(docs):
    """Every trigger names a built (or cluster) tag and a container that exists."""
    problems = []
    for obj in docs:
        if obj["kind"] != "Deployment":
            continue
        name, spec = obj["metadata"]["name"], obj["spec"]["template"]["spec"]
        triggered = set()
        for reference, field, container in image_triggers(obj):
            problem = _resolves(reference, namespace_of(obj), docs)
            if problem:
                problems.append(f"{name}: {problem}")
            if field is None or container not in [
                c["name"] for c in spec.get(field, [])
            ]:
                problems.append(f"{name}: trigger fieldPath names no container")
            triggered.add((field, container))
        for field in ("containers", "initContainers"):
            for c in spec.get(field, []):
                if (field, c["name"]) not in triggered:
                    problems.append(
                        f"{name}/{c['name']}: image not rolled by a trigger"
                    )
    for bc in (o for o in docs if o["kind"] == "BuildConfig"):
        name, spec = bc["metadata"]["name"], bc["spec"]
        references = [spec["strategy"]["sourceStrategy"]["from"]]
        references += [i["from"] for i in spec["source"].get("images", [])]
        references += [
            t["imageChange"]["from"]
            for t in spec.get("triggers", [])
            if t["type"] == "ImageChange" and t["imageChange"].get("from")
        ]
        for reference in references:
            problem = _resolves(reference, namespace_of(bc), docs)
            if problem:
                problems.append(f"BuildConfig {name}: {problem}")
        if (
            namespace_of(bc),
            spec["output"]["to"]["name"].split(":")[0],
        ) not in _streams(docs):
            problems.append(f"BuildConfig {name}: output has no ImageStream")
    return problems


def buildconfigs_trigger_and_are_bounded(docs):
    """Git builds: ConfigChange, builder ImageChange, GitHub and Generic webhooks by
    Secret reference; every build: resource limits and an existing contextDir."""
    problems = []
    for bc in (o for o in docs if o["kind"] == "BuildConfig"):
        name, spec = bc["metadata"]["name"], bc["spec"]
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in spec.get("resources", {}).get(kind, {}):
                    problems.append(f"BuildConfig {name}: no {resource} {kind}")
        context = spec["source"].get("contextDir")
        if context and not (REPO / context).is_dir():
            problems.append(f"BuildConfig {name}: contextDir {context} does not exist")
        if spec["source"]["type"] != "Git":
            continue
        triggers = spec.get("triggers", [])
        types = [t["type"] for t in triggers]
        if "ConfigChange" not in types:
            problems.append(f"BuildConfig {name}: no ConfigChange trigger")
        if not any(
            t["type"] == "ImageChange" and not t["imageChange"].get("from")
            for t in triggers
        ):
            problems.append(
                f"BuildConfig {name}: no ImageChange trigger on its builder"
            )
        for kind, field in (("GitHub", "github"), ("Generic", "generic")):
            hooks = [t[field] for t in triggers if t["type"] == kind]
            if not hooks:
                problems.append(f"BuildConfig {name}: no {kind} webhook")
            for hook in hooks:
                if "secret" in hook or "name" not in hook.get("secretReference", {}):
                    problems.append(
                        f"BuildConfig {name}: {kind} webhook secret is not a reference"
                    )
    return problems


def chained_build_lands_at_web_root(docs):
    """Image content lands inside contextDir (destinationDir is relative to the
    checkout, not to contextDir), and a path ending in /. copies only the content."""
    problems = []
    for bc in (o for o in docs if o["kind"] == "BuildConfig"):
        source = bc["spec"]["source"]
        for image in source.get("images", []):
            for path in image.get("paths", []):
                if path["destinationDir"].strip("/") != source.get(
                    "contextDir", ""
                ).strip("/"):
                    problems.append(
                        f"BuildConfig {bc['metadata']['name']}: destinationDir "
                        f"{path['destinationDir']} is not contextDir"
                    )
                if not path["sourcePath"].endswith("/."):
                    problems.append(
                        f"BuildConfig {bc['metadata']['name']}: "
                        f"{path['sourcePath']} would copy the directory itself"
                    )
    return problems
