"""Rules for pods, Services, the Route and the configuration pods read.

Each rule takes rendered objects and returns a list of problems, empty when the
rule holds.
"""

import re

from tests.gitops.manifests import namespace_of, pod_templates, selects

PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def _containers(spec):
    for container in spec.get("initContainers", []):
        yield container, True
    for container in spec.get("containers", []):
        yield container, False


def _pod_or_container(spec, container, *path):
    """A securityContext field, from the container or else from the pod."""
    for context in (
        container.get("securityContext", {}),
        spec.get("securityContext", {}),
    ):
        value = context
        for key in path:
            value = value.get(key, {}) if isinstance(value, dict) else {}
        if value != {}:
            return value
    return None


def containers_are_hardened(docs):
    """Probes, requests and limits, explicit pull policy, restricted-v2 context."""
    problems = []
    for _, obj, spec, _ in pod_templates(docs):
        for container, is_init in _containers(spec):
            where = f"{obj['metadata']['name']}/{container['name']}"
            if "imagePullPolicy" not in container:
                problems.append(f"{where}: no explicit imagePullPolicy")
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(kind, {}):
                        problems.append(f"{where}: no {resource} {kind}")
            if not is_init:
                problems += [f"{where}: no {p}" for p in PROBES if p not in container]
            context = container.get("securityContext", {})
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if context.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: capabilities do not drop ALL")
            if _pod_or_container(spec, container, "runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if (
                _pod_or_container(spec, container, "seccompProfile", "type")
                != "RuntimeDefault"
            ):
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
            if _pod_or_container(spec, container, "runAsUser") is not None:
                problems.append(f"{where}: fixed runAsUser (restricted-v2 assigns one)")
            if context.get("privileged"):
                problems.append(f"{where}: privileged")
    return problems


def no_deploymentconfigs(docs):
    return [
        f"DeploymentConfig {obj['metadata']['name']}: use a Deployment"
        for obj in docs
        if obj["kind"] == "DeploymentConfig"
    ]


def _env_value(container, name):
    for var in container.get("env", []):
        if var["name"] == name:
            return var.get("value")
    return None


def django_probes_send_an_allowed_host(docs):
    """The kubelet's Host (the pod IP) is not in ALLOWED_HOSTS: send one that is."""
    problems = []
    for _, obj, spec, _ in pod_templates(docs):
        for container in spec.get("containers", []):
            allowed = _env_value(container, "DJANGO_ALLOWED_HOSTS")
            if allowed is None:
                continue
            allowed = allowed.split(",")
            for probe in PROBES:
                http = container.get(probe, {}).get("httpGet")
                if not http:
                    continue
                hosts = [
                    h["value"]
                    for h in http.get("httpHeaders", [])
                    if h["name"] == "Host"
                ]
                if not hosts or hosts[0] not in allowed:
                    problems.append(
                        f"{obj['metadata']['name']}/{container['name']} {probe}: "
                        "no Host header that DJANGO_ALLOWED_HOSTS allows"
                    )
    return problems


def _pods_in(docs, namespace, selector):
    return [
        (obj, spec)
        for ns, obj, spec, labels in pod_templates(docs)
        if ns == namespace and selects(selector, labels)
    ]


def _container_ports(spec):
    return [port for c in spec.get("containers", []) for port in c.get("ports", [])]


def services_reach_pods(docs):
    """Every Service selects pods, and every target port is a container port."""
    problems = []
    for service in (o for o in docs if o["kind"] == "Service"):
        name = service["metadata"]["name"]
        pods = _pods_in(
            docs, namespace_of(service), service["spec"].get("selector", {})
        )
        if not pods:
            problems.append(f"Service {name}: selector matches no pod")
            continue
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for obj, spec in pods:
                ports = _container_ports(spec)
                if not any(
                    target in (p.get("name"), p["containerPort"]) for p in ports
                ):
                    problems.append(
                        f"Service {name}: targetPort {target} is no port of "
                        f"{obj['metadata']['name']}"
                    )
    return problems


def _seconds(text):
    match = re.fullmatch(r"(\d+)(ms|s|m|h)?", text)
    value, unit = int(match[1]), match[2] or "ms"
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def _llm_timeout(docs):
    for obj in docs:
        if obj["kind"] == "ConfigMap" and "LLM_TIMEOUT" in obj.get("data", {}):
            return float(obj["data"]["LLM_TIMEOUT"])
    return 60.0


def routes_are_reencrypt_tls_to_a_service(docs):
    """TLS to the browser and again to the pod (reencrypt), with a redirect, no
    host, a timeout above the LLM's, a real target."""
    problems = []
    services = {
        (namespace_of(o), o["metadata"]["name"]): o
        for o in docs
        if o["kind"] == "Service"
    }
    for route in (o for o in docs if o["kind"] == "Route"):
        name, spec = route["metadata"]["name"], route["spec"]
        tls = spec.get("tls", {})
        if tls.get("termination") != "reencrypt":
            problems.append(f"Route {name}: TLS termination is not reencrypt")
        if tls.get("insecureEdgeTerminationPolicy") != "Redirect":
            problems.append(f"Route {name}: plain HTTP is not redirected")
        if "host" in spec:
            problems.append(f"Route {name}: hard-coded host")
        timeout = (
            route["metadata"]
            .get("annotations", {})
            .get("haproxy.router.openshift.io/timeout")
        )
        if timeout is None or _seconds(timeout) <= _llm_timeout(docs):
            problems.append(f"Route {name}: router timeout not above LLM_TIMEOUT")
        service = services.get((namespace_of(route), spec["to"]["name"]))
        if spec["to"].get("kind") != "Service" or service is None:
            problems.append(f"Route {name}: no Service {spec['to']['name']}")
            continue
        target = spec.get("port", {}).get("targetPort")
        names = [p.get("name") for p in service["spec"]["ports"]]
        targets = [p.get("targetPort") for p in service["spec"]["ports"]]
        if target not in names + targets:
            svc = service["metadata"]["name"]
            problems.append(f"Route {name}: port {target} is not on Service {svc}")
    return problems


def declared_keys(docs, templates):
    """{(kind, name): keys} for the ConfigMaps rendered and the templated objects."""
    declared = {}
    for obj in [*docs, *templates]:
        if obj["kind"] in ("ConfigMap", "Secret"):
            keys = set(obj.get("data", {})) | set(obj.get("stringData", {}))
            declared.setdefault((obj["kind"], obj["metadata"]["name"]), set()).update(
                keys
            )
    return declared


def env_references_resolve(docs, templates):
    """secretKeyRef, configMapKeyRef, envFrom and $(VAR) name something declared."""
    declared = declared_keys(docs, templates)
    problems = []
    for _, obj, spec, _ in pod_templates(docs):
        for container, _ in _containers(spec):
            where = f"{obj['metadata']['name']}/{container['name']}"
            defined = set()
            for source in container.get("envFrom", []):
                for kind, field in (
                    ("ConfigMap", "configMapRef"),
                    ("Secret", "secretRef"),
                ):
                    if (
                        field in source
                        and (kind, source[field]["name"]) not in declared
                    ):
                        problems.append(
                            f"{where}: envFrom {kind} {source[field]['name']} "
                            "is not declared"
                        )
                    elif field in source:
                        defined |= declared[(kind, source[field]["name"])]
            for var in container.get("env", []):
                ref = var.get("valueFrom", {})
                for kind, field in (
                    ("Secret", "secretKeyRef"),
                    ("ConfigMap", "configMapKeyRef"),
                ):
                    if field in ref:
                        key = (kind, ref[field]["name"])
                        if ref[field]["key"] not in declared.get(key, set()):
                            problems.append(
                                f"{where}: {kind} {key[1]} declares no key "
                                f"{ref[field]['key']}"
                            )
                for used in re.findall(r"\$\((\w+)\)", var.get("value", "")):
                    if used not in defined:
                        problems.append(
                            f"{where}: {var['name']} uses $({used}) before it is set"
                        )
                defined.add(var["name"])
    return problems


def workloads_carry_topology_labels(docs):
    """app.kubernetes.io/* and app.openshift.io/runtime for the console's topology;
    connects-to only to a Deployment of the same namespace."""
    problems = []
    deployments = {
        (namespace_of(o), o["metadata"]["name"])
        for o in docs
        if o["kind"] == "Deployment"
    }
    for namespace, obj, _, pod_labels in pod_templates(docs):
        name = obj["metadata"]["name"]
        for labels, where in (
            (obj["metadata"].get("labels", {}), "metadata"),
            (pod_labels, "pod"),
        ):
            for label in (
                "app.kubernetes.io/name",
                "app.kubernetes.io/component",
                "app.kubernetes.io/part-of",
                "app.openshift.io/runtime",
            ):
                if label not in labels:
                    problems.append(f"{name} {where}: no {label}")
        connects = (
            obj["metadata"].get("annotations", {}).get("app.openshift.io/connects-to")
        )
        if connects is not None:
            # The console draws the arrow only within one namespace.
            for target in re.findall(r'"name":\s*"([^"]+)"', connects):
                if (namespace, target) not in deployments:
                    problems.append(
                        f"{name}: connects-to names no Deployment {target} "
                        "in its namespace"
                    )
    return problems


def volumes_outlive_argo_cd(docs):
    """Argo CD deletes no PersistentVolumeClaim: not with its Application
    (Delete=false), not when it leaves Git (Prune=false)."""
    problems = []
    for claim in (o for o in docs if o["kind"] == "PersistentVolumeClaim"):
        options = (
            claim["metadata"]
            .get("annotations", {})
            .get("argocd.argoproj.io/sync-options", "")
        )
        present = {option.strip() for option in options.split(",")}
        problems += [
            f"PersistentVolumeClaim {claim['metadata']['name']}: no {option}"
            for option in ("Delete=false", "Prune=false")
            if option not in present
        ]
    return problems


# kustomize's content hash on generated names: "-" and ten characters.
HASH_SUFFIX = re.compile(r"-[a-z0-9]{10}$")


def _configmaps_read(spec):
    containers = spec.get("containers", []) + spec.get("initContainers", [])
    names = {
        source["configMapRef"]["name"]
        for c in containers
        for source in c.get("envFrom", [])
        if "configMapRef" in source
    }
    names |= {
        var["valueFrom"]["configMapKeyRef"]["name"]
        for c in containers
        for var in c.get("env", [])
        if "configMapKeyRef" in var.get("valueFrom", {})
    }
    names |= {
        v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v
    }
    return {HASH_SUFFIX.sub("", name) for name in names}


def config_changes_reach_pods(before, after):
    """Between two renders, a ConfigMap whose data changed changes every pod
    template that reads it (kustomize's generated name carries a hash of the
    content), so the sync that applies it also rolls the pods."""

    def configmaps(docs):
        return {
            HASH_SUFFIX.sub("", o["metadata"]["name"]): o.get("data", {})
            for o in docs
            if o["kind"] == "ConfigMap"
        }

    old = configmaps(before)
    changed = {
        name for name, data in configmaps(after).items() if old.get(name) != data
    }
    templates = {
        o["metadata"]["name"]: o["spec"]["template"]
        for _, o, _, _ in pod_templates(before)
    }
    problems = []
    for _, obj, spec, _ in pod_templates(after):
        name = obj["metadata"]["name"]
        stale = _configmaps_read(spec) & changed
        if stale and obj["spec"]["template"] == templates.get(name):
            problems.append(f"{name}: pods keep the old {', '.join(sorted(stale))}")
    return problems


SERVICE_URL = re.compile(
    r"https?://(?P<service>[a-z0-9-]+)\.(?P<namespace>[a-z0-9-]*)"
    r"\.svc\.cluster\.local:(?P<port>\d+)"
)


def _expanded(container, name, namespace):
    """An env value with $(POD_NAMESPACE)-style downward-API names filled in."""
    values = {}
    for var in container.get("env", []):
        field = var.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        if field == "metadata.namespace":
            values[var["name"]] = namespace
        elif "value" in var:
            values[var["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: values.get(m[1], m[0]), var["value"]
            )
    return values.get(name)


def backend_url_names_a_service_in_full(docs):
    """nginx resolves BACKEND_URL itself, without resolv.conf's search list: it
    must be a Service's full name (service.namespace.svc.cluster.local) and port."""
    services = {
        (namespace_of(o), o["metadata"]["name"]): {
            p["port"] for p in o["spec"]["ports"]
        }
        for o in docs
        if o["kind"] == "Service"
    }
    problems = []
    for namespace, obj, spec, _ in pod_templates(docs):
        for container in spec["containers"]:
            url = _expanded(container, "BACKEND_URL", namespace)
            if url is None:
                continue
            where = f"{obj['metadata']['name']}/{container['name']}"
            match = SERVICE_URL.fullmatch(url)
            if match is None:
                problems.append(
                    f"{where}: BACKEND_URL {url} is not a Service's full name"
                )
            elif int(match["port"]) not in services.get(
                (match["namespace"], match["service"]), set()
            ):
                problems.append(f"{where}: BACKEND_URL {url} reaches no Service port")
    return problems
