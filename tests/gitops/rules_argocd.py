"""Rules for the Argo CD Applications, the ArgoCD instance and the bootstrap."""

import re

from tests.gitops.manifests import REPO, RenderError, kustomize
from tests.gitops.rules_images import image_triggers

WAVE_ORDER = ("builds", "database", "backend", "frontend")
CONTROLLER = "argocd-argocd-application-controller"


def _wave(app):
    return int(
        app["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0")
    )


def children_sync_in_waves(apps):
    """builds, then database, then backend, then frontend, each in its own wave."""
    by_part = {app["spec"]["source"]["path"].split("/")[1]: app for app in apps}
    missing = [part for part in WAVE_ORDER if part not in by_part]
    if missing:
        return [f"no child Application for {part}" for part in missing]
    waves = [_wave(by_part[part]) for part in WAVE_ORDER]
    if waves != sorted(set(waves)) or len(set(waves)) != len(waves):
        order = dict(zip(WAVE_ORDER, waves, strict=True))
        return [f"waves {order} are not strictly increasing"]
    return []


def application_sources_render(apps):
    """Every Application's path exists in the repository and renders."""
    problems = []
    for app in apps:
        path = app["spec"]["source"]["path"]
        if not (REPO / path).is_dir():
            problems.append(f"{app['metadata']['name']}: path {path} does not exist")
            continue
        try:
            if not kustomize(path):
                problems.append(f"{app['metadata']['name']}: {path} renders nothing")
        except RenderError:
            problems.append(f"{app['metadata']['name']}: {path} does not render")
    return problems


def children_sync_automatically(apps):
    """Resources finalizer, automated prune and selfHeal, retry with backoff."""
    problems = []
    for app in apps:
        name, policy = app["metadata"]["name"], app["spec"].get("syncPolicy", {})
        if "resources-finalizer.argocd.argoproj.io" not in app["metadata"].get(
            "finalizers", []
        ):
            problems.append(f"{name}: no resources finalizer")
        automated = policy.get("automated", {})
        if automated.get("prune") is not True or automated.get("selfHeal") is not True:
            problems.append(f"{name}: not automated with prune and selfHeal")
        retry = policy.get("retry", {})
        backoff = retry.get("backoff", {})
        if not retry.get("limit") or not {"duration", "factor", "maxDuration"} <= set(
            backoff
        ):
            problems.append(f"{name}: no retry with backoff")
    return problems


def _ignored(app, kind, name):
    expressions = set()
    for entry in app["spec"].get("ignoreDifferences", []):
        if entry.get("kind") == kind and entry.get("name", name) == name:
            expressions |= set(entry.get("jqPathExpressions", []))
            expressions |= set(entry.get("jsonPointers", []))
    return expressions


def triggered_fields_are_ignored(app, docs):
    """Argo CD must neither report nor undo what the image trigger and the router
    write: ignoreDifferences for those fields, and RespectIgnoreDifferences so a
    sync keeps the live values (argo-cd #4912, #20305)."""
    name = app["metadata"]["name"]
    problems = []
    respected = "RespectIgnoreDifferences=true" in app["spec"].get(
        "syncPolicy", {}
    ).get("syncOptions", [])
    for obj in docs:
        if obj["kind"] == "Deployment":
            for _, field, container in image_triggers(obj):
                wanted = (
                    f".spec.template.spec.{field}[] | "
                    f'select(.name == "{container}") | .image'
                )
                deployment = obj["metadata"]["name"]
                if wanted not in _ignored(app, "Deployment", deployment):
                    problems.append(
                        f"{name}: {deployment}/{container} image not ignored"
                    )
                elif not respected:
                    problems.append(f"{name}: no RespectIgnoreDifferences=true")
        if obj["kind"] == "Route" and "host" not in obj["spec"]:
            if "/spec/host" not in _ignored(app, "Route", obj["metadata"]["name"]):
                route = obj["metadata"]["name"]
                problems.append(f"{name}: generated host of Route {route} not ignored")
    return problems


def sources_are_the_configured_one(docs, url, revision):
    """Every repoURL, targetRevision, sourceRepos entry and git uri/ref matches."""
    problems = []
    for obj in docs:
        name = f"{obj['kind']} {obj['metadata']['name']}"
        if obj["kind"] == "Application":
            source = obj["spec"]["source"]
            if (source.get("repoURL"), source.get("targetRevision")) != (url, revision):
                problems.append(f"{name}: source is not {url} @ {revision}")
        # The locked default project names none (projects_allow_only_their_apps).
        if (
            obj["kind"] == "AppProject"
            and obj["metadata"]["name"] != "default"
            and obj["spec"].get("sourceRepos") != [url]
        ):
            problems.append(f"{name}: sourceRepos is not [{url}]")
        git = (
            obj["spec"].get("source", {}).get("git")
            if obj["kind"] == "BuildConfig"
            else None
        )
        if git is not None and (git.get("uri"), git.get("ref")) != (url, revision):
            problems.append(f"{name}: git source is not {url} @ {revision}")
    return problems


def files_naming(text, root=REPO, tops=("gitops", "bootstrap")):
    """The files under gitops/ and bootstrap/ whose content contains text."""
    return sorted(
        str(file.relative_to(root))
        for top in tops
        for file in (root / top).rglob("*")
        if file.is_file() and text in file.read_text(errors="ignore")
    )


def argocd_instance_is_configured(argocd):
    """Annotation tracking, and health checks for Application, Build and ImageStream."""
    problems = []
    spec = argocd["spec"]
    if spec.get("resourceTrackingMethod") != "annotation":
        problems.append("ArgoCD: resource tracking is not by annotation")
    checks = {
        (c["group"], c["kind"])
        for c in spec.get("resourceHealthChecks", [])
        if c.get("check")
    }
    for wanted in (
        ("argoproj.io", "Application"),
        ("build.openshift.io", "Build"),
        ("image.openshift.io", "ImageStream"),
    ):
        if wanted not in checks:
            problems.append(f"ArgoCD: no health check for {wanted[1]}")
    return problems


def bootstrap_grants_only_namespaces(docs, argocd_namespace):
    """Pinned operator channel; app namespaces managed by our Argo CD; no
    cluster-wide grant, and in the namespaces only the webhook binding. The
    operator gives the controller its own Role (every verb on every resource) in
    each managed namespace, so a RoleBinding for it there would limit nothing."""
    problems = []
    managed = [
        o
        for o in docs
        if o["kind"] == "Namespace"
        and o["metadata"].get("labels", {}).get("argocd.argoproj.io/managed-by")
        == argocd_namespace
    ]
    if not managed:
        problems.append("no namespace is managed by the Argo CD instance")
    for obj in docs:
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind in ("ClusterRoleBinding", "ClusterRole"):
            problems.append(f"{kind} {name}: cluster-wide permission")
        if kind == "RoleBinding" and obj["roleRef"]["name"] != "system:webhook":
            problems.append(
                f"RoleBinding {name}: grants {obj['roleRef']['name']}, "
                "not only the webhook"
            )
        if kind == "Subscription" and not re.fullmatch(
            r"gitops-\d+\.\d+", obj["spec"]["channel"]
        ):
            problems.append(
                f"Subscription: channel {obj['spec']['channel']} is not pinned"
            )
    return problems


def _deploys(app):
    """(namespaces, {(group, kind)}) of what an Application's source renders."""
    rendered = kustomize(app["spec"]["source"]["path"])
    default = app["spec"]["destination"]["namespace"]
    return (
        {o["metadata"].get("namespace", default) for o in rendered},
        {(o["apiVersion"].rpartition("/")[0], o["kind"]) for o in rendered},
    )


def projects_allow_only_their_apps(projects, apps):
    """Each project allows exactly the namespaces and kinds its Applications
    deploy: the root's only Applications in the Argo CD namespace, the
    children's only their kinds in the app namespaces. No cluster-scoped kind,
    and the default project, which Argo CD would otherwise create allowing
    everything, allows nothing."""
    problems = []
    by_name = {p["metadata"]["name"]: p["spec"] for p in projects}
    default = by_name.get("default", {})
    if (
        default.get("sourceRepos") != []
        or default.get("destinations") != []
        or default.get("namespaceResourceBlacklist") != [{"group": "*", "kind": "*"}]
    ):
        problems.append("AppProject default: not locked")
    wanted = {}
    for app in apps:
        project = app["spec"]["project"]
        if project == "default" or project not in by_name:
            problems.append(
                f"{app['metadata']['name']}: project {project} is not one of ours"
            )
            continue
        namespaces, kinds = _deploys(app)
        wanted.setdefault(project, (set(), set()))
        wanted[project][0].update(namespaces)
        wanted[project][1].update(kinds)
    for project, (namespaces, kinds) in sorted(wanted.items()):
        spec = by_name[project]
        if spec.get("clusterResourceWhitelist") != []:
            problems.append(f"AppProject {project}: allows cluster-scoped kinds")
        destinations = {d["namespace"] for d in spec.get("destinations", [])}
        if destinations != namespaces:
            problems.append(
                f"AppProject {project}: destinations {sorted(destinations)}, "
                f"its apps deploy into {sorted(namespaces)}"
            )
        allowed = {
            (e["group"], e["kind"]) for e in spec.get("namespaceResourceWhitelist", [])
        }
        problems += [
            f"AppProject {project}: {kind} is deployed but not allowed"
            for _, kind in sorted(kinds - allowed)
        ]
        problems += [
            f"AppProject {project}: allows {group}/{kind}, which none deploys"
            for group, kind in sorted(allowed - kinds)
        ]
    return problems
