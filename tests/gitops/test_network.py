from tests.gitops.manifests import named
from tests.gitops.rules_network import network_policies_admit_only_their_peers


def test_network_policies_admit_only_their_peers(deployed):
    assert network_policies_admit_only_their_peers(deployed) == []


def test_a_backend_open_to_every_pod_is_rejected(cluster):
    ingress = named(cluster, "NetworkPolicy", "backend-allow-from-frontend")["spec"][
        "ingress"
    ]
    ingress[0]["from"] = [{"podSelector": {}}]
    assert network_policies_admit_only_their_peers(cluster) == [
        "NetworkPolicy backend-allow-from-frontend: a peer admits more than named pods",
        "backend admits everyone, expected ['frontend']",
    ]


def test_a_cross_namespace_peer_looked_up_in_the_wrong_namespace_is_rejected(cluster):
    peer = named(cluster, "NetworkPolicy", "backend-allow-from-frontend")["spec"][
        "ingress"
    ][0]
    peer["from"][0].pop("namespaceSelector")
    assert network_policies_admit_only_their_peers(cluster) == [
        "NetworkPolicy backend-allow-from-frontend: a peer admits more than named pods",
        "backend admits everyone, expected ['frontend']",
    ]


def test_a_database_open_to_the_frontend_is_rejected(deployed):
    policy = named(deployed, "NetworkPolicy", "postgresql-allow-from-backend")["spec"]
    policy["ingress"][0]["from"][0]["podSelector"]["matchLabels"] = {
        "app.kubernetes.io/part-of": "llm-chat"
    }
    (problem,) = network_policies_admit_only_their_peers(deployed)
    assert problem.startswith("postgresql admits ['backend', ")
    assert problem.endswith("'postgresql'], expected ['backend']")


def test_a_policy_selecting_no_pod_or_a_closed_port_is_rejected(cluster):
    spec = named(cluster, "NetworkPolicy", "frontend-allow-from-router")["spec"]
    spec["ingress"][0]["ports"][0]["port"] = 80
    spec["podSelector"]["matchLabels"] = {"app.kubernetes.io/name": "web"}
    assert network_policies_admit_only_their_peers(cluster) == [
        "NetworkPolicy frontend-allow-from-router: selects no pod",
        "frontend admits everyone, expected ['router']",
    ]


def test_a_missing_policy_is_rejected(cluster):
    cluster.remove(named(cluster, "NetworkPolicy", "postgresql-allow-from-backend"))
    assert network_policies_admit_only_their_peers(cluster) == [
        "postgresql admits everyone, expected ['backend']"
    ]
