"""Rules for the NetworkPolicies: each admits exactly the peers it means."""

from tests.gitops.manifests import namespace_of, pod_templates, selects

ROUTER = "router"
ROUTER_NAMESPACE_LABELS = (
    {"policy-group.network.openshift.io/ingress": ""},
    {"network.openshift.io/policy-group": "ingress"},
)
# Who may open connections to whom: pods by app.kubernetes.io/name.
EXPECTED_PEERS = {
    "frontend": {ROUTER},
    "backend": {"frontend"},
    "postgresql": {"backend"},
}


def _peer_names(peer, namespace, docs):
    """The app names (or ROUTER) a `from` entry admits; None for anything else."""
    ns_selector = peer.get("namespaceSelector")
    pod_selector = peer.get("podSelector")
    if ns_selector is not None and pod_selector is None:
        return (
            {ROUTER}
            if ns_selector.get("matchLabels") in ROUTER_NAMESPACE_LABELS
            else None
        )
    if pod_selector is None or "ipBlock" in peer:
        return None
    if ns_selector is not None:
        labels = ns_selector.get("matchLabels", {})
        if set(labels) != {"kubernetes.io/metadata.name"}:
            return None
        namespace = labels["kubernetes.io/metadata.name"]
    return {
        pod_labels["app.kubernetes.io/name"]
        for ns, _, _, pod_labels in pod_templates(docs)
        if ns == namespace and selects(pod_selector.get("matchLabels", {}), pod_labels)
    } or None


def network_policies_admit_only_their_peers(docs):
    problems = []
    covered = {}
    for policy in (o for o in docs if o["kind"] == "NetworkPolicy"):
        name, namespace, spec = (
            policy["metadata"]["name"],
            namespace_of(policy),
            policy["spec"],
        )
        targets = [
            (pod_labels["app.kubernetes.io/name"], pod_spec)
            for ns, _, pod_spec, pod_labels in pod_templates(docs)
            if ns == namespace
            and selects(spec["podSelector"].get("matchLabels", {}), pod_labels)
        ]
        if not targets:
            problems.append(f"NetworkPolicy {name}: selects no pod")
        if "Ingress" not in spec.get("policyTypes", []):
            problems.append(f"NetworkPolicy {name}: does not restrict ingress")
        for rule in spec.get("ingress", []):
            for peer in rule.get("from", [None]):
                names = _peer_names(peer, namespace, docs) if peer else None
                if names is None:
                    problems.append(
                        f"NetworkPolicy {name}: a peer admits more than named pods"
                    )
                    continue
                for target, _ in targets:
                    covered.setdefault(target, set()).update(names)
            ports = [p["port"] for p in rule.get("ports", [])]
            if not ports:
                problems.append(f"NetworkPolicy {name}: admits every port")
            for target, pod_spec in targets:
                container_ports = {
                    p["containerPort"]
                    for c in pod_spec["containers"]
                    for p in c.get("ports", [])
                }
                for port in ports:
                    if port not in container_ports:
                        problems.append(
                            f"NetworkPolicy {name}: port {port} is not open on {target}"
                        )
    for target, expected in EXPECTED_PEERS.items():
        if covered.get(target) != expected:
            problems.append(
                f"{target} admits {sorted(covered.get(target, set())) or 'everyone'}, "
                f"expected {sorted(expected)}"
            )
    return problems
