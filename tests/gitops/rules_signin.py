"""Rules for signing in: the Route reaches only oauth-proxy, oauth-proxy only
nginx on the pod's loopback, the backend believes nginx by a shared Secret, and
each container holds only the Secrets it uses.

The oauth-proxy flags, defaults and headers relied on are recorded with their
source in data/oauth-proxy.json.
"""

import json
from pathlib import Path

from tests.gitops.manifests import namespace_of, pod_templates, selects
from tests.gitops.rules_workloads import _llm_timeout, _seconds

OAUTH_PROXY = json.loads((Path(__file__).parent / "data/oauth-proxy.json").read_text())
REDIRECT_REFERENCE = "serviceaccounts.openshift.io/oauth-redirectreference.primary"
SERVING_CERT = "service.beta.openshift.io/serving-cert-secret-name"
NGINX_UPSTREAM = "http://127.0.0.1:8080"


def _flags(container):
    """{flag: value} of a container's --flag=value and --flag arguments."""
    flags = {}
    for arg in container.get("args", []):
        name, eq, value = arg.removeprefix("--").partition("=")
        flags[name] = value if eq else True
    return flags


def _is_oauth_proxy(container):
    return _flags(container).get("provider") == "openshift"


def _env(container, name):
    (found,) = [v for v in container.get("env", []) if v["name"] == name] or [None]
    return found


def _mounted_secret(spec, container, path):
    """The Secret mounted at the directory of path, or None."""
    directory = path.rpartition("/")[0]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        if mount["mountPath"].rstrip("/") == directory:
            return volumes.get(mount["name"], {}).get("secret", {}).get("secretName")
    return None


def _sar_namespace_is_the_pods(container, namespace_value):
    if namespace_value == "$(POD_NAMESPACE)":
        var = _env(container, "POD_NAMESPACE") or {}
        field = var.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        return field == "metadata.namespace"
    return False


def _oauth_proxy_problems(where, proxy, spec, port, docs, namespace, route, service):
    flags = _flags(proxy)
    problems = [
        f"{where}: --{flag} is no flag of openshift/oauth-proxy"
        for flag in sorted(set(flags) - set(OAUTH_PROXY["flags"]))
    ]
    if flags.get("https-address") != f":{port['containerPort']}":
        problems.append(f"{where}: --https-address is not the Route's port")
    if flags.get("http-address") != "":
        problems.append(f"{where}: listens for plain HTTP too")
    if flags.get("upstream") != NGINX_UPSTREAM:
        problems.append(f"{where}: upstream is not nginx on the pod's loopback")
    nginx = [
        c
        for c in spec["containers"]
        if (_env(c, "CHAT_AUTH") or {}).get("value") == "oauth-proxy"
    ]
    if not nginx:
        problems.append(f"{where}: no nginx with CHAT_AUTH=oauth-proxy beside it")
    if flags.get("pass-access-token") is not True:
        problems.append(f"{where}: the admin gets no access token")
    timeout = flags.get("upstream-timeout")
    if timeout is None or _seconds(timeout) <= _llm_timeout(docs):
        problems.append(f"{where}: upstream timeout not above LLM_TIMEOUT")
    cert = service["metadata"].get("annotations", {}).get(SERVING_CERT)
    if cert is None or _mounted_secret(spec, proxy, flags.get("tls-cert", "")) != cert:
        problems.append(f"{where}: --tls-cert is not the service CA's certificate")
    if _mounted_secret(spec, proxy, flags.get("cookie-secret-file", "")) is None:
        problems.append(f"{where}: --cookie-secret-file is not from a Secret")
    sar = json.loads(flags.get("openshift-sar", "{}"))
    if not (
        sar.get("verb")
        and sar.get("resource")
        and _sar_namespace_is_the_pods(proxy, sar.get("namespace"))
    ):
        problems.append(f"{where}: --openshift-sar is no check in the pod's namespace")
    account = flags.get("openshift-service-account")
    if account is None or account != spec.get("serviceAccountName"):
        problems.append(f"{where}: --openshift-service-account is not the pod's")
    accounts = [
        o
        for o in docs
        if o["kind"] == "ServiceAccount"
        and namespace_of(o) == namespace
        and o["metadata"]["name"] == account
    ]
    reference = (
        json.loads(accounts[0]["metadata"].get("annotations", {})[REDIRECT_REFERENCE])
        if accounts
        and REDIRECT_REFERENCE in accounts[0]["metadata"].get("annotations", {})
        else {}
    )
    if reference.get("reference") != {"kind": "Route", "name": route}:
        problems.append(
            f"{where}: ServiceAccount {account} does not name Route {route} "
            "as its redirect"
        )
    return problems


def routes_lead_through_oauth_proxy(docs):
    """Every Route reencrypts to a Service port that only oauth-proxy serves,
    and that oauth-proxy is wired as data/oauth-proxy.json says it works."""
    problems = []
    for route in (o for o in docs if o["kind"] == "Route"):
        name, namespace = route["metadata"]["name"], namespace_of(route)
        if route["spec"].get("tls", {}).get("termination") != "reencrypt":
            problems.append(f"Route {name}: TLS is not reencrypted to the pod")
        (service,) = [
            o
            for o in docs
            if o["kind"] == "Service"
            and namespace_of(o) == namespace
            and o["metadata"]["name"] == route["spec"]["to"]["name"]
        ] or [None]
        if service is None:
            problems.append(f"Route {name}: no Service")
            continue
        for _, obj, spec, labels in pod_templates(docs):
            if obj["metadata"].get("namespace", "") != namespace or not selects(
                service["spec"]["selector"], labels
            ):
                continue
            for service_port in service["spec"]["ports"]:
                target = service_port.get("targetPort", service_port["port"])
                for container in spec["containers"]:
                    for port in container.get("ports", []):
                        if target not in (port.get("name"), port["containerPort"]):
                            continue
                        where = f"{obj['metadata']['name']}/{container['name']}"
                        if not _is_oauth_proxy(container):
                            problems.append(
                                f"Service {service['metadata']['name']}: port "
                                f"{target} reaches {where}, not oauth-proxy"
                            )
                            continue
                        problems += _oauth_proxy_problems(
                            where, container, spec, port, docs, namespace, name, service
                        )
    return problems


def secrets_by_container(docs):
    """{"deployment/container": {"secret:key" or "secret (mounted)"}}."""
    found = {}
    for _, obj, spec, _ in pod_templates(docs):
        volumes = {
            v["name"]: v["secret"]["secretName"]
            for v in spec.get("volumes", [])
            if "secret" in v
        }
        for container in spec.get("initContainers", []) + spec["containers"]:
            used = found.setdefault(
                f"{obj['metadata']['name']}/{container['name']}", set()
            )
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    used.add(f"{ref['name']}:{ref['key']}")
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    used.add(f"{source['secretRef']['name']} (every key)")
            for mount in container.get("volumeMounts", []):
                if mount["name"] in volumes:
                    used.add(f"{volumes[mount['name']]} (mounted)")
    return found


def _config_value(docs, name):
    for obj in docs:
        if obj["kind"] == "ConfigMap" and name in obj.get("data", {}):
            return obj["data"][name]
    return None


def backend_believes_only_the_proxy(docs):
    """The backend requires a user, checks the same Secret nginx sends, and
    reads the client's address behind the router, oauth-proxy and nginx."""
    problems = []
    containers = {
        f"{obj['metadata']['name']}/{c['name']}": c
        for _, obj, spec, _ in pod_templates(docs)
        for c in spec["containers"]
    }
    backend, nginx = (
        containers.get("backend/backend"),
        containers.get("frontend/frontend"),
    )
    refs = [
        (_env(c, "CHAT_PROXY_SECRET") or {}).get("valueFrom", {}).get("secretKeyRef")
        for c in (backend, nginx)
    ]
    if None in refs or refs[0] != refs[1]:
        problems.append("backend and nginx do not share CHAT_PROXY_SECRET's Secret")
    if _config_value(docs, "CHAT_REQUIRE_USER") != "true":
        problems.append("the backend does not require a signed-in user")
    # The router, then each proxy container: oauth-proxy, nginx (BACKEND_URL).
    hops = 1 + sum(
        1
        for c in containers.values()
        if _is_oauth_proxy(c) or _env(c, "BACKEND_URL") is not None
    )
    if _config_value(docs, "DJANGO_TRUSTED_PROXY_COUNT") != str(hops):
        problems.append(
            f"DJANGO_TRUSTED_PROXY_COUNT is not {hops} (the router, oauth-proxy, nginx)"
        )
    return problems
