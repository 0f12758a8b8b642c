"""Rules for scaling out: autoscalers, disruption budgets, spreading, rollouts
that drop no stream, and the quotas that must hold the peak.

Each rule takes rendered objects and returns a list of problems, empty when the
rule holds.
"""

import math
import re
from fractions import Fraction

from tests.gitops.manifests import REPO, namespace_of, pod_templates, selects
from tests.gitops.rules_signin import _flags, _is_oauth_proxy
from tests.gitops.rules_workloads import _seconds

NGINX_PROXY_CONF = REPO / "apps/frontend/nginx/nginx-default-cfg/frontend.conf"
ROUTE_TIMEOUT = "haproxy.router.openshift.io/timeout"
# Serve while the endpoints drop the pod, then stop accepting, finish in flight.
QUIT = re.compile(r"sleep (?P<wait>\d+); nginx -s quit")
RESOURCES = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
UNITS = {
    "m": Fraction(1, 1000),
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def quantity(text):
    """A Kubernetes quantity ("500m", "1", "384Mi") as an exact number."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([a-zA-Z]*)", str(text))
    return Fraction(match[1]) * UNITS[match[2]]


def _by_name(docs, kind):
    return {
        (namespace_of(o), o["metadata"]["name"]): o for o in docs if o["kind"] == kind
    }


def _autoscaled(docs):
    """{(namespace, Deployment name): HorizontalPodAutoscaler}."""
    return {
        (namespace_of(hpa), hpa["spec"]["scaleTargetRef"]["name"]): hpa
        for hpa in docs
        if hpa["kind"] == "HorizontalPodAutoscaler"
    }


def pod_resources(spec):
    """{requests.cpu: ..., limits.memory: ...} that the scheduler and the quota
    count for one pod: the containers' sum, or an init container's if larger."""
    totals = {}
    for key in RESOURCES:
        kind, resource = key.split(".")

        def amount(container, kind=kind, resource=resource):
            return quantity(
                container.get("resources", {}).get(kind, {}).get(resource, "0")
            )

        totals[key] = max(
            [sum(amount(c) for c in spec.get("containers", []))]
            + [amount(c) for c in spec.get("initContainers", [])]
        )
    return totals


def autoscalers_fit_their_deployments(docs):
    """Each autoscaler scales a Deployment of its namespace that sets no
    replicas, keeps at least two pods (one while a PDB lets the other go), and
    aims at a CPU utilization the pods reach before their limit throttles them."""
    problems = []
    deployments = _by_name(docs, "Deployment")
    for (namespace, target), hpa in _autoscaled(docs).items():
        name, spec = hpa["metadata"]["name"], hpa["spec"]
        where = f"HorizontalPodAutoscaler {name}"
        ref = spec["scaleTargetRef"]
        deployment = deployments.get((namespace, target))
        if (ref.get("apiVersion"), ref["kind"]) != ("apps/v1", "Deployment") or (
            deployment is None
        ):
            problems.append(f"{where}: scales no Deployment {target} of its namespace")
            continue
        if "replicas" in deployment["spec"]:
            problems.append(f"Deployment {target}: sets replicas, which {where} owns")
        low, high = spec.get("minReplicas", 1), spec["maxReplicas"]
        if not 2 <= low <= high:
            problems.append(f"{where}: bounds {low}..{high} are not 2 <= min <= max")
        pod = pod_resources(deployment["spec"]["template"]["spec"])
        ceiling = 100 * pod["limits.cpu"] / pod["requests.cpu"]
        cpu = [
            m["resource"]["target"]
            for m in spec.get("metrics", [])
            if m["type"] == "Resource" and m["resource"]["name"] == "cpu"
        ]
        if not cpu or cpu[0].get("type") != "Utilization":
            problems.append(f"{where}: no CPU utilization target")
        elif cpu[0]["averageUtilization"] >= ceiling:
            problems.append(
                f"{where}: CPU target {cpu[0]['averageUtilization']}% is not below "
                f"the limit ({float(ceiling):.0f}% of the request)"
            )
    return problems


def budgets_cover_autoscaled_pods(docs):
    """Each autoscaled Deployment has a PodDisruptionBudget that selects its
    pods and lets one go at a time; no budget covers a workload that may run a
    single pod (a drain could never evict it)."""
    problems = []
    budgets = [o for o in docs if o["kind"] == "PodDisruptionBudget"]
    autoscaled = _autoscaled(docs)
    for namespace, obj, _, labels in pod_templates(docs):
        name = obj["metadata"]["name"]
        covering = [
            b
            for b in budgets
            if namespace_of(b) == namespace
            and selects(b["spec"]["selector"].get("matchLabels", {}), labels)
        ]
        hpa = autoscaled.get((namespace, name))
        if hpa is None:
            if covering:
                problems.append(f"{name}: a PodDisruptionBudget covers a lone pod")
            continue
        if not covering:
            problems.append(f"{name}: autoscaled, but no PodDisruptionBudget")
        for budget in covering:
            if budget["spec"].get("maxUnavailable") != 1:
                problems.append(
                    f"PodDisruptionBudget {budget['metadata']['name']}: "
                    "maxUnavailable is not 1"
                )
    for budget in budgets:
        selector = budget["spec"]["selector"].get("matchLabels", {})
        if not any(
            ns == namespace_of(budget) and selects(selector, labels)
            for ns, _, _, labels in pod_templates(docs)
        ):
            problems.append(
                f"PodDisruptionBudget {budget['metadata']['name']}: selects no pod"
            )
    return problems


def autoscaled_pods_spread_over_nodes(docs):
    """An autoscaled Deployment spreads its pods over nodes, preferably
    (ScheduleAnyway), counting its own pods: the selector matches its labels."""
    problems = []
    autoscaled = _autoscaled(docs)
    for namespace, obj, spec, labels in pod_templates(docs):
        name = obj["metadata"]["name"]
        constraints = spec.get("topologySpreadConstraints", [])
        if (namespace, name) in autoscaled and not constraints:
            problems.append(f"{name}: autoscaled, but not spread over nodes")
        for constraint in constraints:
            if constraint["topologyKey"] != "kubernetes.io/hostname":
                problems.append(f"{name}: spreads over {constraint['topologyKey']}")
            if constraint["whenUnsatisfiable"] != "ScheduleAnyway":
                problems.append(f"{name}: a node shortage would leave pods pending")
            selector = constraint.get("labelSelector", {}).get("matchLabels", {})
            if not selects(selector, labels):
                problems.append(f"{name}: spread selector misses its own pods")
    return problems


def autoscaled_replicas_are_ignored(app, docs):
    """Argo CD neither reports nor undoes the replica count an autoscaler sets."""
    ignored = {
        entry.get("name")
        for entry in app["spec"].get("ignoreDifferences", [])
        if entry.get("kind") == "Deployment"
        and "/spec/replicas" in entry.get("jsonPointers", [])
    }
    return [
        f"{app['metadata']['name']}: replicas of {target} not ignored"
        for (_, target) in _autoscaled(docs)
        if target not in ignored
    ]


def sandbox_blocks_nothing(docs):
    """One pod of each, and nothing that could block the Sandbox's own node
    operations or scale past its quota."""
    problems = [
        f"{o['kind']} {o['metadata']['name']}: not for the Sandbox"
        for o in docs
        if o["kind"] in ("HorizontalPodAutoscaler", "PodDisruptionBudget")
    ]
    problems += [
        f"{obj['metadata']['name']}: {obj['spec'].get('replicas', 1)} replicas"
        for _, obj, _, _ in pod_templates(docs)
        if obj["spec"].get("replicas", 1) != 1
    ]
    return problems


def nginx_read_timeout(conf=NGINX_PROXY_CONF):
    """Seconds nginx waits for the next bytes of an answer (proxy_read_timeout)."""
    return _seconds(re.search(r"proxy_read_timeout (\S+);", conf.read_text())[1])


def _pre_stop(container):
    return " ".join(
        container.get("lifecycle", {})
        .get("preStop", {})
        .get("exec", {})
        .get("command", [])
    )


def streams_outlive_a_rollout(docs, read_timeout):
    """In the pods behind a Route: nginx quits gracefully (it finishes the
    streams in flight), every other container waits in a preStop so it does not
    stop under them, and the grace period holds the preStop's wait for the
    endpoints plus the longest stream the Route, oauth-proxy and nginx allow."""
    problems = []
    services = _by_name(docs, "Service")
    for route in (o for o in docs if o["kind"] == "Route"):
        service = services.get((namespace_of(route), route["spec"]["to"]["name"]))
        if service is None:
            continue
        route_timeout = _seconds(
            route["metadata"].get("annotations", {}).get(ROUTE_TIMEOUT, "30s")
        )
        for namespace, obj, spec, labels in pod_templates(docs):
            if namespace != namespace_of(route) or not selects(
                service["spec"].get("selector", {}), labels
            ):
                continue
            name = obj["metadata"]["name"]
            hooks = {c["name"]: _pre_stop(c) for c in spec["containers"]}
            quits = [QUIT.search(hook) for hook in hooks.values() if QUIT.search(hook)]
            if not quits:
                problems.append(
                    f"{name}: no container quits nginx gracefully after a sleep"
                )
            problems += [
                f"{name}/{container}: no preStop, stops under the streams"
                for container, hook in hooks.items()
                if not hook
            ]
            longest = max(
                [route_timeout, read_timeout]
                + [
                    _seconds(_flags(c).get("upstream-timeout", "30s"))
                    for c in spec["containers"]
                    if _is_oauth_proxy(c)
                ]
            )
            wait = int(quits[0]["wait"]) if quits else 0
            grace = spec.get("terminationGracePeriodSeconds", 30)
            if grace < wait + longest:
                problems.append(
                    f"{name}: grace period {grace} s is shorter than the preStop's "
                    f"{wait} s and the longest stream's {longest:.0f} s"
                )
    return problems


def _surge(deployment, replicas):
    strategy = deployment["spec"].get("strategy", {})
    if strategy.get("type") == "Recreate":
        return 0
    surge = str(strategy.get("rollingUpdate", {}).get("maxSurge", "25%"))
    if surge.endswith("%"):
        return math.ceil(replicas * int(surge[:-1]) / 100)
    return int(surge)


def peak_use(docs):
    """{namespace: {quota key: amount}} at the peak: every Deployment at its
    autoscaler's maximum (else its replicas) plus its rollout's surge pods, every
    BuildConfig's build running at once, and every PersistentVolumeClaim."""
    autoscaled = _autoscaled(docs)
    peak = {}
    for namespace, obj, spec, _ in pod_templates(docs):
        hpa = autoscaled.get((namespace, obj["metadata"]["name"]))
        replicas = hpa["spec"]["maxReplicas"] if hpa else obj["spec"].get("replicas", 1)
        pods = replicas + _surge(obj, replicas)
        use = peak.setdefault(namespace, {})
        use["pods"] = use.get("pods", 0) + pods
        for key, amount in pod_resources(spec).items():
            use[key] = use.get(key, 0) + pods * amount
    for build in (o for o in docs if o["kind"] == "BuildConfig"):
        use = peak.setdefault(namespace_of(build), {})
        use["pods"] = use.get("pods", 0) + 1
        for key, amount in pod_resources(
            {"containers": [{"resources": build["spec"].get("resources", {})}]}
        ).items():
            use[key] = use.get(key, 0) + amount
    for claim in (o for o in docs if o["kind"] == "PersistentVolumeClaim"):
        use = peak.setdefault(namespace_of(claim), {})
        use["persistentvolumeclaims"] = use.get("persistentvolumeclaims", 0) + 1
        use["requests.storage"] = use.get("requests.storage", 0) + quantity(
            claim["spec"]["resources"]["requests"]["storage"]
        )
    return peak


def _show(key, amount):
    if key.endswith("cpu"):
        return f"{float(amount * 1000):.0f}m"
    if key.endswith(("memory", "storage")):
        return f"{float(amount / 2**20):.0f}Mi"
    return str(amount)


def quotas_hold_the_peak(docs, bootstrap):
    """Each namespace the app deploys into has a ResourceQuota that limits pods,
    CPU and memory, and holds the peak (peak_use) of every quota key it sets."""
    quotas = {namespace_of(o): o for o in bootstrap if o["kind"] == "ResourceQuota"}
    problems = []
    for namespace, use in sorted(peak_use(docs).items()):
        quota = quotas.get(namespace)
        if quota is None:
            problems.append(f"{namespace}: no ResourceQuota")
            continue
        hard = quota["spec"]["hard"]
        problems += [
            f"{namespace}: the quota sets no {key}"
            for key in ("pods", *RESOURCES)
            if key not in hard
        ]
        for key, limit in hard.items():
            needed = use.get(key, 0)
            if needed > quantity(limit):
                problems.append(
                    f"{namespace}: {key} {limit} < {_show(key, needed)} at the peak"
                )
    return problems


def limit_ranges_admit_every_container(docs, bootstrap):
    """Each namespace with a quota has a LimitRange whose defaults give a
    container without resources the requests and limits the quota counts, and
    whose maximum admits every container and build the app runs."""
    ranges = {namespace_of(o): o for o in bootstrap if o["kind"] == "LimitRange"}
    problems = []
    containers = [
        (namespace, f"{obj['metadata']['name']}/{c['name']}", c.get("resources", {}))
        for namespace, obj, spec, _ in pod_templates(docs)
        for c in spec.get("initContainers", []) + spec["containers"]
    ] + [
        (
            namespace_of(b),
            f"BuildConfig {b['metadata']['name']}",
            b["spec"]["resources"],
        )
        for b in docs
        if b["kind"] == "BuildConfig"
    ]
    for namespace in sorted(
        namespace_of(o) for o in bootstrap if o["kind"] == "ResourceQuota"
    ):
        limit_range = ranges.get(namespace)
        if limit_range is None:
            problems.append(f"{namespace}: no LimitRange")
            continue
        (limits,) = [
            x for x in limit_range["spec"]["limits"] if x["type"] == "Container"
        ]
        for field in ("default", "defaultRequest", "max"):
            if not {"cpu", "memory"} <= set(limits.get(field, {})):
                problems.append(
                    f"{namespace}: LimitRange has no {field} cpu and memory"
                )
        for ns, where, resources in containers:
            if ns != namespace:
                continue
            for resource, most in limits.get("max", {}).items():
                asked = resources.get("limits", {}).get(resource)
                if asked is not None and quantity(asked) > quantity(most):
                    problems.append(
                        f"{where}: {resource} limit {asked} above the LimitRange's "
                        f"max {most}"
                    )
    return problems
