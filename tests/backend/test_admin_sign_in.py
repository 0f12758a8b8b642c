"""The admin behind the OpenShift sign-in: the access check against a
Kubernetes API on 127.0.0.1 (tests/fake_kube.py), the Django user it makes,
and no password login."""

import time

import pytest

from django.contrib.auth import get_user_model

from chat import admin_access, kube
from tests.backend.test_sign_in import SECRET, HeadersClient
from tests.fake_kube import FakeKube, Unanswering

pytestmark = pytest.mark.django_db(transaction=True)

NAMESPACE = "chat-backend"


@pytest.fixture
def cluster(settings):
    """The proxy's secret set and the API at a fake that allows the holder of
    token-admin and refuses the holder of token-user."""
    fake = FakeKube({"token-admin": True, "token-user": False}).start()
    settings.CHAT_PROXY_SECRET = SECRET
    settings.CHAT_KUBE_API_URL = fake.url
    settings.CHAT_ADMIN_NAMESPACE = NAMESPACE
    settings.CHAT_ADMIN_ACCESS = "update deployments.apps"
    yield fake
    fake.stop()


def through_proxy(name: str, token: str, secret: str = SECRET) -> HeadersClient:
    return HeadersClient(
        {
            "X-Chat-User": name,
            "X-Chat-Proxy-Secret": secret,
            "X-Chat-Access-Token": token,
        }
    )


async def test_an_allowed_user_is_signed_in_as_a_staff_superuser(cluster):
    admin = through_proxy("kate", "token-admin")

    index = await admin.get("/admin/")
    again = await admin.get("/admin/chat/conversation/")

    assert index.status_code == 200
    assert "kate" in index.content.decode()
    assert again.status_code == 200
    user = await get_user_model().objects.aget(username="kate")
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (
        True,
        True,
        False,
    )
    (review,) = cluster.reviews  # the second request used the session's check
    assert review.token == "token-admin"
    assert review.body["kind"] == "SelfSubjectAccessReview"
    assert review.body["spec"]["resourceAttributes"] == {
        "namespace": NAMESPACE,
        "verb": "update",
        "resource": "deployments",
        "group": "apps",
    }


async def test_the_check_is_made_again_after_five_minutes(cluster, monkeypatch):
    admin = through_proxy("kate", "token-admin")
    await admin.get("/admin/")
    later = time.time() + admin_access.CHECK_SECONDS + 1
    monkeypatch.setattr(admin_access.time, "time", lambda: later)

    cluster.tokens["token-admin"] = False
    response = await admin.get("/admin/")

    assert response.status_code == 403
    assert len(cluster.reviews) == 2


async def test_a_user_without_the_access_gets_a_page_saying_what_is_needed(cluster):
    response = await through_proxy("ursula", "token-user").get("/admin/")

    page = response.content.decode()
    assert response.status_code == 403
    assert "ursula" in page
    assert "update deployments.apps" in page
    assert NAMESPACE in page
    assert not await get_user_model().objects.filter(username="ursula").aexists()


@pytest.mark.parametrize(
    ("name", "secret", "token"),
    [
        ("kate", "forged", "token-admin"),  # not through the proxy
        ("", SECRET, "token-admin"),  # no user
    ],
)
async def test_the_admin_without_the_proxys_user_is_refused(
    cluster, name, secret, token
):
    response = await through_proxy(name, token, secret).get("/admin/")

    assert response.status_code == 403
    assert "OpenShift sign-in" in response.content.decode()
    assert cluster.reviews == []


async def test_an_unknown_token_is_refused_with_a_plain_reason(cluster):
    response = await through_proxy("kate", "expired").get("/admin/")

    assert response.status_code == 403
    assert "did not accept your sign-in" in response.content.decode()


async def test_a_missing_token_is_refused_without_asking_the_cluster(cluster):
    response = await through_proxy("kate", "").get("/admin/")

    assert response.status_code == 403
    assert "No OpenShift access token" in response.content.decode()
    assert cluster.reviews == []


async def test_the_cluster_api_down_is_a_refusal_not_an_error(cluster, settings):
    cluster.stop()

    response = await through_proxy("kate", "token-admin").get("/admin/")

    assert response.status_code == 403
    assert "could not be reached" in response.content.decode()


async def test_a_cluster_api_that_does_not_answer_is_a_refusal_in_time(
    cluster, settings, monkeypatch
):
    silent = Unanswering()
    settings.CHAT_KUBE_API_URL = silent.url
    monkeypatch.setattr(kube, "TIMEOUT", 0.5)
    admin = through_proxy("kate", "token-admin")
    try:
        started = time.monotonic()
        response = await admin.get("/admin/")
        elapsed = time.monotonic() - started
    finally:
        silent.close()

    assert response.status_code == 403
    assert "did not answer the access check in time" in response.content.decode()
    assert elapsed < 5
    # A check that could not be made is not kept: the next request asks again.
    settings.CHAT_KUBE_API_URL = cluster.url
    assert (await admin.get("/admin/")).status_code == 200


async def test_a_missing_ca_file_is_a_refusal(cluster, settings, tmp_path):
    settings.CHAT_KUBE_API_URL = cluster.url.replace("http:", "https:")
    settings.CHAT_KUBE_CA_FILE = str(tmp_path / "missing.crt")

    response = await through_proxy("kate", "token-admin").get("/admin/")

    assert response.status_code == 403
    assert "could not be reached" in response.content.decode()


async def test_password_login_is_off_with_the_proxy(cluster, admin_user):
    client = through_proxy("kate", "token-admin")

    page = await client.get("/admin/login/")
    posted = await client.post(
        "/admin/login/", {"username": "admin", "password": "password"}
    )

    assert page.status_code == 302 and page["Location"] == "/admin/"
    assert posted.status_code == 403
    assert "Password sign-in is off" in posted.content.decode()


async def test_another_proxy_user_in_the_same_browser_is_signed_in_anew(cluster):
    kate = through_proxy("kate", "token-admin")
    await kate.get("/admin/")
    ursula = through_proxy("ursula", "token-user")
    ursula.cookies = kate.cookies

    assert (await ursula.get("/admin/")).status_code == 403
    assert len(cluster.reviews) == 2
