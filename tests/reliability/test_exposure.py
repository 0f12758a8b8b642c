"""What the backend shows: no secret in any response, log line or admin page;
security headers on every response; HSTS, secure cookies, rate limits, CORS
and CSRF as configured behind the TLS Route; the admin behind a login."""

import re

import httpx
import pytest

from tests.contracts import SECURITY_HEADERS
from tests.rate_windows import within_one_window
from tests.reliability.conftest import (
    ADMIN_PASSWORD,
    API_KEY,
    assert_no_secrets,
    browser,
)


def admin_login(client: httpx.Client, password=ADMIN_PASSWORD) -> httpx.Response:
    """Log in as a browser does. The CSRF cookie is sent by hand: behind the
    TLS proxy it is Secure, and the test talks plain HTTP to 127.0.0.1."""
    page = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    scheme = client.headers.get("X-Forwarded-Proto", "http")
    return client.post(
        "/admin/login/",
        data={
            "username": "admin",
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={
            "Cookie": f"csrftoken={client.cookies['csrftoken']}",
            "Origin": f"{scheme}://{client.base_url.netloc.decode()}",
        },
    )


def tour(client: httpx.Client, upstream) -> tuple[list[httpx.Response], set]:
    """One request of every kind the backend answers, failures included, and
    the Authorization headers the LLM endpoint received meanwhile."""
    chat = client.post("/chat", json={"message": "Hi"}).json()
    conversation = f"/chat/conversations/{chat['conversation_id']}"
    responses = [
        client.get("/health"),
        client.get("/health/ready"),
        client.post("/chat", json={"message": "[fake fault=echo_key] Hi"}),
        client.post("/chat/stream", json={"message": "[fake fault=echo_key] Hi"}),
        client.post("/chat/stream", json={"message": "Hi"}),
        client.get(conversation),
        client.get("/chat"),
        client.post("/chat", content=b"{", headers={"Content-Type": "text/plain"}),
        client.post("/chat", json={"message": "x" * 300_000}),
        client.get("/no-such-page"),
        client.get("/health", headers={"Host": "evil.example.test"}),
        client.get("/static/admin/css/base.css"),
        client.get("/admin/"),
        client.get("/admin/login/"),
        admin_login(client),
        client.get("/admin/"),
        client.get("/admin/chat/conversation/"),
        client.get("/admin/chat/message/"),
        client.get("/admin/auth/user/"),
        client.get("/admin/llm-settings/"),
    ]
    upstream.reset(fault="echo_key")
    token = client.cookies["csrftoken"]
    responses.append(
        client.post("/admin/llm-settings/test/", data={"csrfmiddlewaretoken": token})
    )
    received = {h.get("Authorization") for h in upstream.record.headers}
    upstream.reset()
    responses.append(client.get("/admin/llm-settings/"))
    return responses, received


@pytest.fixture(scope="module")
def toured(served, upstream):
    upstream.reset()
    with httpx.Client(base_url=served.url, timeout=30, **browser(served.url)) as client:
        return tour(client, upstream)


def test_secrets_never_appear_in_responses_admin_pages_or_the_log(
    toured, served, report
):
    toured, received = toured
    shown = "\n".join(f"{r.status_code} {r.headers} {r.text}" for r in toured)

    assert_no_secrets(shown)
    assert_no_secrets(served.log())
    # The key was in play: the endpoint got it and echoed it back, the log
    # redacted it, and the admin page reported the failure in plain words.
    assert received == {f"Bearer {API_KEY}"}
    assert "[redacted]" in served.log()
    assert "Connection test failed: The LLM endpoint rejected the API key." in (
        toured[-1].text
    )
    report(
        f"secrets: {len(toured)} responses of every kind (admin pages included)"
        " and the whole server log hold neither the API key, the secret key nor"
        " the admin password; the key echoed by the endpoint was redacted"
    )


def test_every_response_carries_the_security_headers(toured, report):
    toured, _ = toured
    missing = [
        (r.request.method, str(r.request.url.path), r.status_code, name)
        for r in toured
        for name, value in SECURITY_HEADERS.items()
        if r.headers.get(name) != value
    ]

    assert missing == []
    assert all("Strict-Transport-Security" not in r.headers for r in toured)
    report(f"security headers present on all {len(toured)} responses of the tour")


def test_forwarded_https_is_ignored_without_the_tls_proxy(served):
    response = httpx.get(f"{served.url}/health", headers={"X-Forwarded-Proto": "https"})

    assert "Strict-Transport-Security" not in response.headers


def test_admin_pages_need_a_login(served):
    for path in ("/admin/", "/admin/llm-settings/", "/admin/chat/message/"):
        response = httpx.get(f"{served.url}{path}")

        assert response.status_code == 302
        assert response.headers["Location"] == f"/admin/login/?next={path}"


@pytest.fixture(scope="module")
def routed(start_backend):
    """A backend configured as in the cluster, behind the Route and nginx."""
    return start_backend(
        "routed",
        DJANGO_TLS_PROXY="true",
        DJANGO_TRUSTED_PROXY_COUNT="2",
        CHAT_RATE_LIMIT="2/m",
        ADMIN_LOGIN_RATE_LIMIT="3/m",
        DJANGO_CORS_ALLOWED_ORIGINS="https://chat.example.test",
    )


def proxied(client_address: str) -> dict:
    return {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": f"{client_address}, 10.128.0.1",
    }


def test_https_through_the_route_gets_hsts_and_secure_cookies(routed):
    secure = httpx.get(f"{routed.url}/health", headers=proxied("203.0.113.1"))
    plain = httpx.get(f"{routed.url}/health")
    login = httpx.get(f"{routed.url}/admin/login/", headers=proxied("203.0.113.1"))

    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain.headers
    assert "Secure" in login.headers["Set-Cookie"]
    assert "HttpOnly" not in login.headers["Set-Cookie"].split(";")[0]


def test_each_client_is_rate_limited_apart_with_a_json_429(routed):
    # On a loaded machine the attempts take seconds.
    within_one_window(15)

    def chat(address):
        return httpx.post(
            f"{routed.url}/chat", json={"message": "Hi"}, headers=proxied(address)
        )

    statuses = [chat("203.0.113.2").status_code for _ in range(2)]
    refused = chat("203.0.113.2")
    other = chat("203.0.113.3")

    assert statuses == [200, 200]
    assert (refused.status_code, refused.json()) == (
        429,
        {"error": "Too many requests: wait a minute and try again."},
    )
    assert refused.headers["Content-Type"] == "application/json"
    assert other.status_code == 200


def test_admin_login_is_throttled_and_needs_csrf(routed):
    wrong = {"username": "admin", "password": "wrong"}
    # On a loaded machine the attempts take seconds.
    within_one_window(15)
    with httpx.Client(base_url=routed.url, headers=proxied("203.0.113.4")) as client:
        without_token = client.post("/admin/login/", data=wrong)
        attempts = [admin_login(client, "wrong").status_code for _ in range(4)]

    assert without_token.status_code == 403
    assert attempts == [200, 200, 200, 429]


def test_unknown_origin_gets_no_cors_grant(routed):
    def preflight(origin):
        return httpx.options(
            f"{routed.url}/chat",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )

    allowed = preflight("https://chat.example.test")
    refused = preflight("https://evil.example.test")

    assert allowed.headers["Access-Control-Allow-Origin"] == "https://chat.example.test"
    assert "Access-Control-Allow-Origin" not in refused.headers
