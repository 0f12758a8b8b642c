"""The admin's access check: may this OpenShift user do CHAT_ADMIN_ACCESS in
CHAT_ADMIN_NAMESPACE? Asked of the cluster's API as the user, with their own
token, through a SelfSubjectAccessReview."""

import logging
import ssl
from dataclasses import dataclass

import httpx

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
TIMEOUT = 5.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Why the check could not be made; empty when the cluster answered.
    problem: str = ""


def attributes(access: str, namespace: str) -> dict:
    """The access "update deployments.apps" as a review's resourceAttributes."""
    try:
        verb, resource = access.split()
    except ValueError:
        raise ImproperlyConfigured(
            "CHAT_ADMIN_ACCESS must look like 'update deployments.apps' "
            f"(<verb> <resource>[.<group>]), not {access!r}."
        ) from None
    resource, _, group = resource.partition(".")
    return {"namespace": namespace, "verb": verb, "resource": resource, "group": group}


def _verify():
    if not settings.CHAT_KUBE_API_URL.startswith("https:"):
        return True
    return ssl.create_default_context(cafile=settings.CHAT_KUBE_CA_FILE)


async def access_check(token: str) -> Decision:
    """The cluster's answer for the user whose token this is. Never raises:
    a failed check is a refusal with its `problem`."""
    if not token:
        return Decision(
            False, "No OpenShift access token reached the backend: sign in again."
        )
    if not settings.CHAT_ADMIN_NAMESPACE:
        return Decision(False, "CHAT_ADMIN_NAMESPACE is not set.")
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": attributes(
                settings.CHAT_ADMIN_ACCESS, settings.CHAT_ADMIN_NAMESPACE
            )
        },
    }
    try:
        async with httpx.AsyncClient(verify=_verify(), timeout=TIMEOUT) as client:
            response = await client.post(
                settings.CHAT_KUBE_API_URL.rstrip("/") + REVIEWS,
                json=review,
                headers={"Authorization": f"Bearer {token}"},
            )
    except httpx.TimeoutException:
        problem = "The cluster's API did not answer the access check in time."
    except (httpx.HTTPError, OSError):
        problem = "The cluster's API could not be reached for the access check."
    else:
        if response.status_code == 401:
            return Decision(
                False, "The cluster did not accept your sign-in: sign in again."
            )
        try:
            return Decision(response.json()["status"]["allowed"] is True)
        except (ValueError, KeyError, TypeError):
            problem = (
                f"The cluster's API answered the access check with HTTP "
                f"{response.status_code}."
            )
    logger.warning("Access check failed: %s", problem)
    return Decision(False, problem)
