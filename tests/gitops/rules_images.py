"""Rules for ImageStreams, BuildConfigs and the image triggers that join them."""

import json
import re

from tests.gitops.manifests import REPO, namespace_of

# The registries images are imported from: Red Hat's, without a pull secret, and
# Red Hat's for OpenShift's own images, with the cluster's pull secret.
IMPORT_REGISTRIES = ("registry.access.redhat.com/", "registry.redhat.io/")
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


def imported_tags(docs):
    """{(namespace, "stream:tag"): spec tag} for every tag imported from a registry."""
    return {
        (namespace_of(o), f"{o['metadata']['name']}:{tag['name']}"): tag
        for o in docs
        if o["kind"] == "ImageStream"
        for tag in o["spec"].get("tags", [])
        if tag.get("from", {}).get("kind") == "DockerImage"
    }


def _resolves(reference, namespace, docs):
    """Problem with an ImageStreamTag reference, or None. References into the
    openshift namespace are rules_versions' concern."""
    if reference.get("kind") != "ImageStreamTag":
        return f"{reference.get('name')} is not an ImageStreamTag"
    name, ns = reference["name"], reference.get("namespace", namespace)
    if ns == "openshift":
        return None
    if (ns, name.split(":")[0]) not in _streams(docs):
        return f"{name}: no ImageStream {name.split(':')[0]}"
    if (ns, name) not in _built_tags(docs) | set(imported_tags(docs)):
        return f"{name}: neither built nor imported"
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
    """Git builds: ConfigChange, GitHub and Generic webhooks by Secret reference;
    every build: resource limits and an existing contextDir."""
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


def _builder(bc):
    strategy = bc["spec"]["strategy"]["sourceStrategy"]["from"]
    return strategy.get("namespace", namespace_of(bc)), strategy["name"]


def image_updates_wait_for_a_person(docs):
    """Imported images come from Red Hat's registry through the cluster's own
    (referencePolicy Local). A builder is re-imported on a schedule but triggers
    no build: a person's next build takes it. A tag a Deployment's trigger follows
    is never re-imported on a schedule: it moves on a person's oc import-image."""
    problems = []
    followed = {
        (namespace_of(o), reference["name"])
        for o in docs
        if o["kind"] == "Deployment"
        for reference, _, _ in image_triggers(o)
        if "namespace" not in reference
    }
    for (namespace, name), tag in imported_tags(docs).items():
        if not tag["from"]["name"].startswith(IMPORT_REGISTRIES):
            problems.append(f"{name}: imported from outside Red Hat's registries")
        if tag.get("referencePolicy", {}).get("type") != "Local":
            problems.append(f"{name}: not pulled through the cluster's registry")
        scheduled = tag.get("importPolicy", {}).get("scheduled") is True
        if (namespace, name) in followed and scheduled:
            problems.append(f"{name}: a scheduled import would roll its Deployment")
        if (namespace, name) not in followed and not scheduled:
            problems.append(f"{name}: not re-imported on a schedule")
    imported = set(imported_tags(docs))
    for bc in (o for o in docs if o["kind"] == "BuildConfig"):
        for trigger in bc["spec"].get("triggers", []):
            if trigger["type"] != "ImageChange":
                continue
            source = trigger["imageChange"].get("from")
            watched = (
                _builder(bc)
                if source is None
                else (source.get("namespace", namespace_of(bc)), source["name"])
            )
            if watched in imported or watched[0] == "openshift":
                problems.append(
                    f"BuildConfig {bc['metadata']['name']}: rebuilds by itself "
                    f"when {watched[1]} is imported"
                )
    return problems


def webhooks_reach_every_build_namespace(docs):
    """Where a BuildConfig has a webhook, system:unauthenticated holds
    system:webhook by RoleBinding, as OpenShift 4.16+ requires for GitHub."""
    hooked = {
        namespace_of(bc)
        for bc in docs
        if bc["kind"] == "BuildConfig"
        and any(t["type"] in ("GitHub", "Generic") for t in bc["spec"]["triggers"])
    }
    bound = {
        namespace_of(rb)
        for rb in docs
        if rb["kind"] == "RoleBinding"
        and rb["roleRef"]
        == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "system:webhook",
        }
        and {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Group",
            "name": "system:unauthenticated",
        }
        in rb["subjects"]
    }
    return [
        f"{namespace or 'the namespace'}: no RoleBinding of system:webhook to "
        "system:unauthenticated"
        for namespace in sorted(hooked - bound)
    ]
