import json

import pytest

from tests.gitops.manifests import container, named
from tests.gitops.rules_signin import (
    backend_believes_only_the_proxy,
    routes_lead_through_oauth_proxy,
    secrets_by_container,
)

DATABASE = {
    "postgresql:database-name",
    "postgresql:database-password",
    "postgresql:database-user",
}
# Each container and the Secrets it uses, and no others: no superuser password
# anywhere, no LLM key outside the backend, the migrations get the database only.
SECRETS = {
    "backend/migrate": DATABASE,
    "backend/backend": DATABASE
    | {
        "litellm-secrets:DJANGO_SECRET_KEY",
        "litellm-secrets:LLM_API_BASE",
        "litellm-secrets:LLM_API_KEY",
        "chat-proxy:secret",
    },
    "frontend/frontend": {"chat-proxy:secret"},
    "frontend/oauth-proxy": {
        "frontend-tls (mounted)",
        "frontend-oauth-proxy (mounted)",
    },
    "postgresql/postgresql": {
        "postgresql:database-user",
        "postgresql:database-password",
        "postgresql:database-name",
    },
}


def test_the_route_leads_through_oauth_proxy(deployed):
    assert routes_lead_through_oauth_proxy(deployed) == []


def _args(docs):
    return container(docs, "frontend", "oauth-proxy")["args"]


def _replace_arg(docs, prefix, new):
    args = _args(docs)
    (index,) = [i for i, a in enumerate(args) if a.startswith(prefix)]
    if new is None:
        args.pop(index)
    else:
        args[index] = new


def _unannotate(docs):
    named(docs, "ServiceAccount", "frontend")["metadata"]["annotations"] = {}


def _other_route(docs):
    annotations = named(docs, "ServiceAccount", "frontend")["metadata"]["annotations"]
    annotations["serviceaccounts.openshift.io/oauth-redirectreference.primary"] = (
        json.dumps({"reference": {"kind": "Route", "name": "argocd"}})
    )


def _service_to_nginx(docs):
    frontend = container(docs, "frontend", "frontend")
    frontend["ports"].append({"name": "http", "containerPort": 8080})
    named(docs, "Service", "frontend-service")["spec"]["ports"][0]["targetPort"] = (
        "http"
    )


WHERE = "frontend/oauth-proxy"


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            _service_to_nginx,
            "Service frontend-service: port http reaches frontend/frontend, "
            "not oauth-proxy",
        ),
        (
            lambda d: named(d, "Route", "frontend-route")["spec"]["tls"].update(
                termination="edge"
            ),
            "Route frontend-route: TLS is not reencrypted to the pod",
        ),
        (
            lambda d: _args(d).append("--openshift-group=admins"),
            f"{WHERE}: --openshift-group is no flag of openshift/oauth-proxy",
        ),
        (
            lambda d: _replace_arg(d, "--upstream=", "--upstream=http://0.0.0.0:8080"),
            f"{WHERE}: upstream is not nginx on the pod's loopback",
        ),
        (
            lambda d: _replace_arg(d, "--http-address=", "--http-address=:4180"),
            f"{WHERE}: listens for plain HTTP too",
        ),
        (
            lambda d: container(d, "frontend", "frontend")["env"].pop(2),
            f"{WHERE}: no nginx with CHAT_AUTH=oauth-proxy beside it",
        ),
        (
            lambda d: _replace_arg(d, "--pass-access-token", None),
            f"{WHERE}: the admin gets no access token",
        ),
        (
            lambda d: _replace_arg(d, "--upstream-timeout=", None),
            f"{WHERE}: upstream timeout not above LLM_TIMEOUT",
        ),
        (
            lambda d: named(d, "Service", "frontend-service")["metadata"].pop(
                "annotations"
            ),
            f"{WHERE}: --tls-cert is not the service CA's certificate",
        ),
        (
            lambda d: _replace_arg(
                d,
                "--openshift-sar=",
                '--openshift-sar={"namespace":"default","resource":"services",'
                '"verb":"get"}',
            ),
            f"{WHERE}: --openshift-sar is no check in the pod's namespace",
        ),
        (
            lambda d: named(d, "Deployment", "frontend")["spec"]["template"][
                "spec"
            ].pop("serviceAccountName"),
            f"{WHERE}: --openshift-service-account is not the pod's",
        ),
        (
            _unannotate,
            f"{WHERE}: ServiceAccount frontend does not name Route frontend-route "
            "as its redirect",
        ),
        (
            _other_route,
            f"{WHERE}: ServiceAccount frontend does not name Route frontend-route "
            "as its redirect",
        ),
    ],
)
def test_a_way_around_or_a_broken_oauth_proxy_is_rejected(cluster, breakage, problem):
    breakage(cluster)
    assert problem in routes_lead_through_oauth_proxy(cluster)


def test_each_container_gets_only_the_secrets_it_uses(deployed):
    assert secrets_by_container(deployed) == SECRETS


def test_a_secret_given_where_it_is_not_used_is_seen(cluster):
    migrate = container(cluster, "backend", "migrate")
    migrate["envFrom"].append({"secretRef": {"name": "litellm-secrets"}})
    assert secrets_by_container(cluster)["backend/migrate"] == DATABASE | {
        "litellm-secrets (every key)"
    }


def test_the_backend_believes_only_the_proxy(deployed):
    assert backend_believes_only_the_proxy(deployed) == []


def _config(docs):
    (config,) = [
        o for o in docs if o["kind"] == "ConfigMap" and "LLM_MODEL" in o["data"]
    ]
    return config["data"]


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            lambda d: container(d, "frontend", "frontend")["env"][3]["valueFrom"][
                "secretKeyRef"
            ].update(name="frontend-proxy"),
            "backend and nginx do not share CHAT_PROXY_SECRET's Secret",
        ),
        (
            lambda d: _config(d).update(CHAT_REQUIRE_USER="false"),
            "the backend does not require a signed-in user",
        ),
        (
            lambda d: _config(d).update(DJANGO_TRUSTED_PROXY_COUNT="2"),
            "DJANGO_TRUSTED_PROXY_COUNT is not 3 (the router, oauth-proxy, nginx)",
        ),
    ],
)
def test_a_backend_that_believes_anyone_is_rejected(cluster, breakage, problem):
    breakage(cluster)
    assert backend_believes_only_the_proxy(cluster) == [problem]
