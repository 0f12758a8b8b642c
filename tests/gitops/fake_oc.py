"""A stand-in for `oc` that answers like a small cluster and records each call.

The bootstrap tests put an `oc` wrapper first on PATH that runs this file. The
cluster is a JSON file (FAKE_OC_STATE) holding who is logged in, what `oc auth
can-i` allows, whether the image registry answers, and the objects; each call
is appended to FAKE_OC_LOG as one JSON line. The controllers a real cluster
runs are reduced to what the scripts wait for: OLM installs a CSV for a new
Subscription (and fails it next to a second OperatorGroup, as OLM does), the
ArgoCD instance becomes Available, the root Application brings its children,
the workloads and the frontend Route, a Route gets its generated host, and a
BuildConfig's output tag appears. A call it does not know exits 2, so a script
that starts asking something new fails its tests until this file learns it.
"""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

KINDS = {
    "namespaces": "Namespace",
    "subscriptions.operators.coreos.com": "Subscription",
    "clusterserviceversions.operators.coreos.com": "ClusterServiceVersion",
    "operatorgroups.operators.coreos.com": "OperatorGroup",
    "packagemanifests.packages.operators.coreos.com": "PackageManifest",
    "argocds.argoproj.io": "ArgoCD",
    "applications.argoproj.io": "Application",
    "imagestreamtags.image.openshift.io": "ImageStreamTag",
    "secret": "Secret",
    "configmap": "ConfigMap",
    "deployment": "Deployment",
    "route": "Route",
}
CLUSTER_SCOPED = {"Namespace"}
VALUE_FLAGS = {"-n": "namespace", "--namespace": "namespace", "-o": "output"}
VALUE_FLAGS |= {"--output": "output", "-f": "filename", "--filename": "filename"}
BOOL_FLAGS = {"-A": "all", "--all-namespaces": "all", "--no-headers": "no_headers"}
BOOL_FLAGS |= {"-q": "q"}
CHILD_APPS = ("builds", "database", "backend", "frontend")
CSV = "openshift-gitops-operator.v1.20.1"


class Exit(Exception):
    def __init__(self, code, err=""):
        super().__init__(err)
        self.code, self.err = code, err


def parse(argv):
    """Positional words and flags; --flag=value and unknown --flags are kept."""
    words, flags = [], {}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name in VALUE_FLAGS:
            flags[VALUE_FLAGS[name]] = value if eq else next(args)
        elif arg in BOOL_FLAGS:
            flags[BOOL_FLAGS[arg]] = True
        elif arg.startswith("--"):
            flags[name[2:]] = value if eq else True
        else:
            words.append(arg)
    return words, flags


def lookup(obj, path):
    """kubectl's jsonpath for .a.b, .a[0].b and .a[*].b: the values found."""
    found = [obj]
    for part in path.strip(".").split("."):
        key, _, index = part.partition("[")
        found = [f.get(key) for f in found if isinstance(f, dict) and key in f]
        if index == "*]":
            found = [item for f in found for item in f]
        elif index:
            n = int(index[:-1])
            found = [f[n] for f in found if len(f) > n]
    return found


def jsonpath(obj, template):
    assert template.startswith("{") and template.endswith("}"), template
    return " ".join(str(v) for v in lookup(obj, template[1:-1]))


def columns(obj, spec):
    cells = []
    for column in spec.split(","):
        values = lookup(obj, column.partition(":")[2])
        cells.append(",".join(str(v) for v in values) if values else "<none>")
    return "   ".join(cells)


class Cluster:
    def __init__(self, path):
        self.path = path
        self.state = json.loads(path.read_text())
        self.objects = self.state["objects"]

    def save(self):
        # Whole or not at all: a pipeline's other end may be reading it.
        partial = self.path.with_suffix(f".{os.getpid()}")
        partial.write_text(json.dumps(self.state, indent=1))
        partial.replace(self.path)

    def find(self, kind, namespace=None, name=None):
        return [
            o
            for o in self.objects
            if o["kind"] == kind
            and (namespace is None or o["metadata"].get("namespace") == namespace)
            and (name is None or o["metadata"]["name"] == name)
        ]

    def upsert(self, obj):
        meta = obj["metadata"]
        # As oc apply does, fields the manifest leaves out keep their value.
        for old in self.find(obj["kind"], meta.get("namespace"), meta["name"]):
            self.objects.remove(old)
            obj["spec"] = old.get("spec", {}) | obj.get("spec", {})
            obj.setdefault("status", old.get("status", {}))
        self.objects.append(obj)
        react = getattr(self, f"_on_{obj['kind'].lower()}", None)
        if react:
            react(obj)

    # What the cluster's controllers do, as far as the scripts can see.
    def _on_subscription(self, sub):
        ns = sub["metadata"]["namespace"]
        if sub.get("status", {}).get("installedCSV"):
            return
        groups = len(self.find("OperatorGroup", ns))
        status = {"phase": "Pending", "looks": self.state.get("install_looks", 2)}
        if groups != 1:
            status = {"phase": "Failed", "reason": "TooManyOperatorGroups"}
        elif self.state.get("install_fails"):
            status = {"phase": "Failed", "reason": self.state["install_fails"]}
        self.upsert(_obj("ClusterServiceVersion", CSV, ns, status=status))
        sub["status"] = {"installedCSV": CSV, "currentCSV": CSV}

    def _on_argocd(self, argocd):
        argocd["status"] = {"phase": "Pending", "looks": 1}
        ns = argocd["metadata"]["namespace"]
        server = {"host": f"argocd-server-{ns}.apps.example.test"}
        self.upsert(_obj("Route", "argocd-server", ns, spec=server))

    def _on_application(self, app):
        if app["metadata"]["name"] != "llm-chat":
            return
        healthy = {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}
        app["status"] = healthy
        gitops = app["metadata"]["namespace"]
        for part in CHILD_APPS:
            self.upsert(_obj("Application", f"llm-chat-{part}", gitops, status=healthy))
        for name in ("postgresql", "backend"):
            self.upsert(_obj("Deployment", name, "llm-chat-backend"))
        self.upsert(_obj("Deployment", "frontend", "llm-chat-frontend"))
        self.upsert(_obj("Route", "frontend-route", "llm-chat-frontend", spec={}))

    def _on_route(self, route):
        host = self.state.get("route_host")
        if host and not route["spec"].get("host"):
            route["spec"]["host"] = host
            if self.state.get("route_admitted", True):
                route["status"] = {"ingress": [{"host": host}]}

    def _on_buildconfig(self, bc):
        to = bc["spec"]["output"]["to"]
        if to["kind"] == "ImageStreamTag":
            ns = bc["metadata"]["namespace"]
            self.upsert(_obj("ImageStreamTag", to["name"], ns))

    def look(self, obj):
        """A read of an object whose status is on its way: one look closer."""
        status = obj.get("status", {})
        if "looks" in status:
            status["looks"] -= 1
            if status["looks"] <= 0:
                del status["looks"]
                done = {"ClusterServiceVersion": "Succeeded", "ArgoCD": "Available"}
                status["phase"] = done[obj["kind"]]
            self.save()


def _obj(kind, name, namespace, spec=None, status=None):
    return {
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec or {},
        "status": status or {},
    }


def namespace_of(flags, state):
    return flags.get("namespace") or state.get("project")


def cmd_get(cluster, words, flags):
    resource, *name = words
    kind = KINDS.get(resource)
    if kind is None:
        raise Exit(2, f"fake oc: unknown resource {resource}\n")
    ns = (
        None
        if flags.get("all") or kind in CLUSTER_SCOPED
        else namespace_of(flags, cluster.state)
    )
    found = cluster.find(kind, ns, name[0] if name else None)
    if name and not found:
        raise Exit(
            1, f'Error from server (NotFound): {resource} "{name[0]}" not found\n'
        )
    output = flags.get("output", "")
    for obj in found:
        cluster.look(obj)
    if output.startswith("jsonpath="):
        (obj,) = found
        return jsonpath(obj, output[len("jsonpath=") :])
    if output.startswith("custom-columns="):
        assert flags.get("no_headers"), "the scripts read lists without headers"
        spec = output[len("custom-columns=") :]
        return "".join(columns(o, spec) + "\n" for o in found)
    assert output == "", output
    return "".join(f"{o['metadata']['name']}\n" for o in found)


def cmd_apply(cluster, words, flags, stdin):
    import yaml

    assert flags.get("filename") == "-", flags
    applied = []
    for doc in yaml.safe_load_all(stdin):
        if not doc:
            continue
        meta = doc["metadata"]
        if doc["kind"] not in CLUSTER_SCOPED:
            meta.setdefault("namespace", namespace_of(flags, cluster.state))
        doc.setdefault("spec", {})
        cluster.upsert(doc)
        applied.append([doc["kind"], meta.get("namespace", ""), meta["name"]])
    return applied


def cmd_create_secret(cluster, words, flags):
    assert words[:2] == ["secret", "generic"], words
    env_file = Path(flags["from-env-file"]).read_text()
    pairs = [line.partition("=") for line in env_file.splitlines() if line]
    secret = _obj("Secret", words[2], namespace_of(flags, cluster.state))
    # As the API server keeps them: base64 in data.
    secret["data"] = {
        key: base64.b64encode(value.encode()).decode() for key, _, value in pairs
    }
    cluster.upsert(secret)


def cmd_can_i(cluster, words, flags):
    allowed = cluster.state["can_i"]
    ns = flags.get("namespace")
    if allowed == "all" or (ns and ns in allowed):
        return "yes\n"
    raise Exit(1, "no\n")


def cmd_import_image(cluster, words, flags):
    assert flags.get("dry-run") and flags.get("confirm"), flags
    if cluster.state.get("registry", True):
        return "The dry-run import completed successfully.\n"
    raise Exit(
        0,
        "The dry-run import completed with errors.\n\nerror: tag latest failed: "
        "Internal error occurred: dial tcp: i/o timeout\n",
    )


def cmd_rollout(cluster, words, flags):
    action, target = words
    name = target.removeprefix("deployment/")
    ns = namespace_of(flags, cluster.state)
    if not cluster.find("Deployment", ns, name):
        raise Exit(1, f'Error from server (NotFound): deployments.apps "{name}"\n')
    if action == "restart":
        return f"deployment.apps/{name} restarted\n"
    assert action == "status", action
    return f'deployment "{name}" successfully rolled out\n'


def run(cluster, argv, stdin):
    words, flags = parse(argv)
    command, *rest = words
    if not cluster.state.get("user"):
        raise Exit(1, "error: You must be logged in to the server (Unauthorized)\n")
    if command == "whoami" and not flags:
        return cluster.state["user"] + "\n"
    if command == "project" and flags == {"q": True}:
        return cluster.state["project"] + "\n"
    if command == "auth" and rest[0] == "can-i":
        return cmd_can_i(cluster, rest[1:], flags)
    if command == "get":
        return cmd_get(cluster, rest, flags)
    if command == "apply":
        return cmd_apply(cluster, rest, flags, stdin)
    if command == "create":
        return cmd_create_secret(cluster, rest, flags)
    if command == "label":
        return ""
    if command == "rollout":
        return cmd_rollout(cluster, rest, flags)
    if command == "import-image":
        return cmd_import_image(cluster, rest, flags)
    raise Exit(2, f"fake oc: unsupported call: oc {' '.join(argv)}\n")


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["kustomize"]:
        # Runs next to `oc apply` in a pipeline: it leaves the cluster alone.
        kubectl = Path(sys.executable).parent / "kubectl"
        code = subprocess.run([kubectl, *argv], check=False).returncode
        record({"argv": argv, "code": code})
        return code
    cluster = Cluster(Path(os.environ["FAKE_OC_STATE"]))
    stdin = sys.stdin.read() if "-f" in argv and "-" in argv else ""
    entry = {"argv": argv}
    code = 0
    try:
        out = run(cluster, argv, stdin)
        if isinstance(out, list):
            entry["applied"] = out
        else:
            sys.stdout.write(out or "")
    except Exit as e:
        sys.stderr.write(e.err)
        code = e.code
    entry["code"] = code
    cluster.save()
    record(entry)
    return code


def record(entry):
    with open(os.environ["FAKE_OC_LOG"], "a") as log:
        log.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    sys.exit(main())
