"""The nginx configuration of the frontend image, in Debian's nginx, in front
of a small recording upstream on 127.0.0.1 (the browser tests put the real
backend behind it)."""

import json
import re
import secrets
import stat
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from dnslib import QTYPE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from tests.e2e.nginx_server import Nginx
from tests.servers import free_port

STREAM_GAP = 1.5


class Upstream(BaseHTTPRequestHandler):
    """Answers like the backend and records what nginx forwarded."""

    seen: list = []
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str, **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers))
        if self.path == "/health":
            body = json.dumps({"status": "ok", "model": "m", "demo": True})
            self._send(200, body.encode(), "application/json")
        else:
            self._send(
                200,
                b"<html>admin</html>" * 100,
                "text/html",
                X_Frame_Options="SAMEORIGIN",
                Cache_Control="private",
            )

    def do_POST(self) -> None:
        self.seen.append((self.path, self.headers))
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for number in (1, 2):
            event = f"event: delta\ndata: {json.dumps({'text': 'Hello'})}\n\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event.encode()))
            self.wfile.flush()
            if number == 1:
                time.sleep(STREAM_GAP)
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture(scope="module")
def recording_upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def proxy(nginx_binary, frontend_dist, recording_upstream):
    with Nginx(frontend_dist, recording_upstream) as server:
        yield server


@pytest.fixture
def seen():
    Upstream.seen.clear()
    return Upstream.seen


def assert_security_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def asset_path(frontend_dist) -> str:
    script = next((frontend_dist / "assets").glob("*.js"))
    return f"/assets/{script.name}"


@pytest.mark.parametrize("path", ["/", "/index.html", "/some/app/route"])
def test_app_paths_get_index_html_revalidated_with_security_headers(proxy, path):
    response = httpx.get(proxy.url + path)
    assert response.status_code == 200
    assert '<div id="root"></div>' in response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert_security_headers(response)


def test_hashed_assets_are_immutable_and_gzipped(proxy, frontend_dist):
    path = asset_path(frontend_dist)
    response = httpx.get(proxy.url + path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.content == (frontend_dist / path.lstrip("/")).read_bytes()
    assert_security_headers(response)


def test_missing_asset_is_404_not_index_html_and_not_cached(proxy):
    response = httpx.get(proxy.url + "/assets/index-gone.js")
    assert response.status_code == 404
    assert "cache-control" not in response.headers
    assert_security_headers(response)


def test_nginx_health_is_answered_by_nginx_itself(nginx_binary, frontend_dist):
    with Nginx(frontend_dist, f"http://127.0.0.1:{free_port()}") as no_backend:
        health = httpx.get(no_backend.health_url + "/nginx-health")
        api = httpx.get(no_backend.url + "/health")
    assert (health.status_code, health.text) == (200, "ok\n")
    assert api.status_code == 502
    assert_security_headers(api)


@pytest.mark.parametrize("path", ["/", "/health", "/chat/conversations", "/admin/"])
def test_the_probes_server_serves_nothing_but_nginx_health(proxy, seen, path):
    response = httpx.get(proxy.health_url + path)
    assert response.status_code == 404
    assert seen == []


def test_api_paths_go_to_the_backend_with_forwarded_headers(proxy, seen):
    response = httpx.get(proxy.url + "/health")
    httpx.get(proxy.url + "/health", headers={"X-Forwarded-Proto": "https"})
    assert response.json() == {"status": "ok", "model": "m", "demo": True}
    assert_security_headers(response)
    (path, plain), (_, behind_router) = seen
    assert path == "/health"
    assert plain["Host"] == f"127.0.0.1:{proxy.port}"
    assert plain["X-Forwarded-For"] == "127.0.0.1"
    assert plain["X-Forwarded-Proto"] == "http"
    assert behind_router["X-Forwarded-Proto"] == "https"


@pytest.mark.parametrize(
    "path",
    ["/admin", "/admin/", "/admin/login/?next=/admin/", "/static/admin/css/base.css"],
)
def test_admin_and_static_are_proxied_with_one_set_of_security_headers(
    proxy, seen, path
):
    response = httpx.get(proxy.url + path)
    assert response.text.startswith("<html>admin</html>")
    assert seen[0][0] == path
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert response.headers["cache-control"] == "private"


def test_event_stream_is_passed_on_unbuffered_and_uncompressed(proxy, seen):
    arrivals = []
    with httpx.stream(
        "POST",
        proxy.url + "/chat/stream",
        json={"message": "hi"},
        headers={"Accept-Encoding": "gzip"},
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        assert "content-encoding" not in response.headers
        started = time.monotonic()
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append(time.monotonic() - started)
    assert seen[0][0] == "/chat/stream"
    assert len(arrivals) == 2
    assert arrivals[0] < STREAM_GAP / 3
    assert arrivals[1] >= STREAM_GAP * 0.8


def test_proxied_pages_are_gzipped(proxy):
    response = httpx.get(proxy.url + "/admin/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text.startswith("<html>admin</html>")


@pytest.mark.parametrize(
    "backend_url", ["http://backend:8000/api", "backend:8000", "http://a b:1", ""]
)
def test_start_hook_rejects_a_backend_url_it_cannot_use(frontend_dist, backend_url):
    server = Nginx(frontend_dist, backend_url)
    with pytest.raises(subprocess.CalledProcessError) as failure:
        try:
            server.render()
        finally:
            server.remove()
    assert b"BACKEND_URL must be like http://host:port" in failure.value.stderr


def _rendered(server: Nginx) -> str:
    try:
        server.render()
        return (server.root / "nginx.default.d" / "backend-proxy.conf").read_text()
    finally:
        server.remove()


def test_start_hook_asks_the_pods_nameservers(frontend_dist, tmp_path, monkeypatch):
    resolv_conf = tmp_path / "resolv.conf"
    resolv_conf.write_text(
        "search chat.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 172.30.0.10\n"
        "nameserver fd02::a\n"
        "options ndots:5\n"
    )
    monkeypatch.setenv("RESOLV_CONF", str(resolv_conf))
    url = "http://backend-service.chat.svc.cluster.local:8000"
    rendered = _rendered(Nginx(frontend_dist, url, resolver=""))
    assert "resolver 172.30.0.10 [fd02::a];" in rendered
    assert f"set $frontend_backend {url};" in rendered
    assert rendered.count("proxy_pass $frontend_backend;") == 7
    assert "${" not in rendered


def test_start_hook_without_a_nameserver_stops(frontend_dist, tmp_path, monkeypatch):
    resolv_conf = tmp_path / "resolv.conf"
    resolv_conf.write_text("search chat.svc.cluster.local\n")
    monkeypatch.setenv("RESOLV_CONF", str(resolv_conf))
    with pytest.raises(subprocess.CalledProcessError) as failure:
        _rendered(Nginx(frontend_dist, "http://backend.chat:8000", resolver=""))
    assert f"no nameserver in {resolv_conf}".encode() in failure.value.stderr


class Answers(BaseResolver):
    """A DNS server's answers: localhost is 127.0.0.1; every question is kept."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def resolve(self, request, handler):
        name, qtype = str(request.q.qname), QTYPE[request.q.qtype]
        self.asked.append((name, qtype))
        reply = request.reply()
        if (name, qtype) == ("localhost.", "A"):
            reply.add_answer(RR(name, QTYPE.A, rdata=A("127.0.0.1"), ttl=5))
        return reply


@pytest.fixture
def loopback_dns():
    answers = Answers()
    server = DNSServer(answers, address="127.0.0.1", port=0, logger=DNSLogger("-"))
    server.start_thread()
    yield answers, f"127.0.0.1:{server.server.server_address[1]}"
    server.stop()


def test_the_backend_name_is_resolved_per_request_not_once_at_start(
    frontend_dist, recording_upstream, loopback_dns
):
    """With proxy_pass to a fixed name nginx would resolve it once, at start,
    from /etc/hosts here: no question would reach the DNS server. With the
    variable it asks the configured resolver when a request needs the name, so
    a recreated Service is found again (and nginx starts before it exists)."""
    answers, resolver = loopback_dns
    backend = recording_upstream.replace("127.0.0.1", "localhost")
    with Nginx(frontend_dist, backend, resolver=resolver) as proxy:
        at_start = list(answers.asked)
        response = httpx.get(proxy.url + "/health")
    assert at_start == []
    assert response.json() == {"status": "ok", "model": "m", "demo": True}
    assert ("localhost.", "A") in answers.asked


# The contract with the backend: the only headers it takes identity from.
IDENTITY_HEADERS = ("X-Chat-User", "X-Chat-Proxy-Secret", "X-Chat-Access-Token")
PROXY_SECRET = secrets.token_urlsafe(32)
FORGED = {
    "X-Chat-User": "mallory",
    "X-Chat-Proxy-Secret": "forged-secret",
    "X-Chat-Access-Token": "forged-token",
    "X-Request-ID": "forged-request-id",
}
# What oauth-proxy adds to every request it lets through (--pass-access-token).
FROM_OAUTH_PROXY = {
    "X-Forwarded-User": "alice",
    "X-Forwarded-Email": "alice@example.com",
    "X-Forwarded-Access-Token": "alices-token",
}


@pytest.fixture(scope="module")
def behind_oauth_proxy(nginx_binary, frontend_dist, recording_upstream):
    with Nginx(
        frontend_dist,
        recording_upstream,
        chat_auth="oauth-proxy",
        proxy_secret=PROXY_SECRET,
    ) as server:
        yield server


@pytest.fixture(scope="module")
def without_auth(nginx_binary, frontend_dist, recording_upstream):
    """CHAT_AUTH=none, even with a CHAT_PROXY_SECRET in the environment."""
    with Nginx(frontend_dist, recording_upstream, proxy_secret=PROXY_SECRET) as server:
        yield server


def _forwarded(seen):
    """The one request the backend got, as (path, headers)."""
    ((path, headers),) = seen
    return path, headers


def _identity(headers):
    return {name: headers.get_all(name) for name in IDENTITY_HEADERS}


@pytest.mark.parametrize("path", ["/chat/conversations", "/health", "/static/x.css"])
def test_behind_oauth_proxy_the_backend_gets_the_proxys_user_and_the_secret(
    behind_oauth_proxy, seen, path
):
    httpx.get(behind_oauth_proxy.url + path, headers={**FROM_OAUTH_PROXY, **FORGED})
    _, headers = _forwarded(seen)
    assert _identity(headers) == {
        "X-Chat-User": ["alice"],
        "X-Chat-Proxy-Secret": [PROXY_SECRET],
        "X-Chat-Access-Token": None,
    }
    for name in FROM_OAUTH_PROXY:
        assert headers.get_all(name) is None


@pytest.mark.parametrize("path", ["/admin", "/admin/", "/admin/chat/usage/?o=1"])
def test_the_access_token_goes_to_the_admin_only(behind_oauth_proxy, seen, path):
    httpx.get(behind_oauth_proxy.url + path, headers={**FROM_OAUTH_PROXY, **FORGED})
    _, headers = _forwarded(seen)
    assert _identity(headers) == {
        "X-Chat-User": ["alice"],
        "X-Chat-Proxy-Secret": [PROXY_SECRET],
        "X-Chat-Access-Token": ["alices-token"],
    }
    assert headers.get_all("X-Forwarded-Access-Token") is None


def test_behind_oauth_proxy_a_request_without_its_user_carries_no_user(
    behind_oauth_proxy, seen
):
    httpx.get(behind_oauth_proxy.url + "/admin/", headers=FORGED)
    _, headers = _forwarded(seen)
    assert _identity(headers) == {
        "X-Chat-User": None,
        "X-Chat-Proxy-Secret": [PROXY_SECRET],
        "X-Chat-Access-Token": None,
    }


@pytest.mark.parametrize("path", ["/chat/conversations", "/admin/", "/health"])
def test_without_auth_no_identity_reaches_the_backend(without_auth, seen, path):
    httpx.get(without_auth.url + path, headers={**FROM_OAUTH_PROXY, **FORGED})
    _, headers = _forwarded(seen)
    assert _identity(headers) == dict.fromkeys(IDENTITY_HEADERS)
    for name in FROM_OAUTH_PROXY:
        assert headers.get_all(name) is None


@pytest.mark.parametrize("server", ["behind_oauth_proxy", "without_auth"])
def test_forged_identity_in_other_spellings_does_not_get_through(request, seen, server):
    url = request.getfixturevalue(server).url
    forged = [
        ("x-chat-user", "mallory"),
        ("X-CHAT-USER", "mallory"),
        ("X_Chat_User", "mallory"),
        ("X-Chat-User", "mallory"),
        ("X_Chat_Proxy_Secret", "forged-secret"),
        ("x-chat-access-token", "forged-token"),
        ("X_Chat_Access_Token", "forged-token"),
    ]
    httpx.get(url + "/admin/", headers=forged)
    _, headers = _forwarded(seen)
    sent = json.dumps(headers.items())
    assert "mallory" not in sent
    assert "forged-" not in sent


@pytest.mark.parametrize("server", ["behind_oauth_proxy", "without_auth"])
def test_the_request_id_is_nginxs_own(request, seen, server):
    proxy = request.getfixturevalue(server)
    for _ in range(2):
        httpx.get(proxy.url + "/health", headers={"X-Request-ID": "forged-request-id"})
    ids = [headers.get_all("X-Request-ID") for _, headers in seen]
    assert all(len(found) == 1 for found in ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", found[0]) for found in ids)
    assert ids[0] != ids[1]
    _wait_for_log(proxy, ids[1][0])


def _listening_addresses(port):
    """Local addresses of the listening TCP sockets on port (/proc/net/tcp)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_behind_oauth_proxy_nginx_listens_on_the_pods_loopback_only(
    behind_oauth_proxy, without_auth
):
    assert behind_oauth_proxy.rendered_listen == "listen 127.0.0.1:8080 default_server;"
    assert without_auth.rendered_listen == "listen 8080 default_server;"
    # The whole configuration nginx runs has no other listener: the rendered
    # one (moved to the test's port) and the probes' server.
    dumped = behind_oauth_proxy.dump_config()
    listens = re.findall(r"^\s*(listen [^;]*;)", dumped, flags=re.MULTILINE)
    assert sorted(listens) == sorted(
        [
            f"listen 127.0.0.1:{behind_oauth_proxy.port} default_server;",
            f"listen 127.0.0.1:{behind_oauth_proxy.health_port};",
        ]
    )
    assert _listening_addresses(behind_oauth_proxy.port) == {"0100007F"}


def _wait_for_log(proxy, text, timeout=5):
    """nginx writes the access log line once the response is out."""
    deadline = time.monotonic() + timeout
    while text not in proxy.access_log():
        assert time.monotonic() < deadline, f"{text!r} never logged"
        time.sleep(0.05)
    return proxy.access_log()


def test_the_proxy_secret_is_in_no_log_and_only_nginx_reads_it(
    behind_oauth_proxy, seen
):
    httpx.get(behind_oauth_proxy.url + "/health", headers=FROM_OAUTH_PROXY)
    httpx.get(behind_oauth_proxy.url + "/admin/", headers=FROM_OAUTH_PROXY)
    log = _wait_for_log(behind_oauth_proxy, "GET /admin/")
    assert seen[0][1]["X-Chat-Proxy-Secret"] == PROXY_SECRET
    for output in (log, behind_oauth_proxy.error_log(), behind_oauth_proxy.hook_output):
        assert PROXY_SECRET not in output
        assert "alices-token" not in output
    assert "CHAT_AUTH=oauth-proxy" in behind_oauth_proxy.hook_output
    rendered = behind_oauth_proxy.root / "nginx.default.d" / "backend-proxy.conf"
    assert stat.S_IMODE(rendered.stat().st_mode) == 0o600


CONVERSATION = "0b6f1f0e-6c1d-4f6e-9a41-5d3c2b1a0f9e"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/chat/conversations/{CONVERSATION}", "/chat/conversations/:id"),
        (f"/chat/conversations/{CONVERSATION}?x=1", "/chat/conversations/:id"),
        (f"/chat/conversations/{CONVERSATION}/more", "/chat/conversations/:id/more"),
        (f"//chat//conversations/{CONVERSATION}", "/chat/conversations/:id"),
        (f"/?c={CONVERSATION}", "/"),
        (f"/chat/stream?conversation={CONVERSATION}", "/chat/stream"),
    ],
)
def test_the_access_log_holds_no_conversation_id_and_no_query(proxy, path, logged):
    marker = secrets.token_hex(8)
    httpx.get(
        proxy.url + path,
        headers={
            "Referer": f"{proxy.url}/?c={CONVERSATION}",
            "User-Agent": marker,
            "Cookie": "sessionid=cookie-value",
            "Authorization": "Bearer bearer-value",
        },
    )
    (line,) = [
        line for line in _wait_for_log(proxy, marker).splitlines() if marker in line
    ]
    assert f'"GET {logged} HTTP/1.1"' in line
    for private in (CONVERSATION, "?", "cookie-value", "bearer-value"):
        assert private not in line


@pytest.mark.parametrize(
    ("chat_auth", "secret", "message"),
    [
        ("oauth", PROXY_SECRET, "CHAT_AUTH must be oauth-proxy or none, got 'oauth'"),
        ("oauth-proxy", "", "CHAT_AUTH=oauth-proxy needs CHAT_PROXY_SECRET"),
        ("oauth-proxy", "too-short", "CHAT_AUTH=oauth-proxy needs CHAT_PROXY_SECRET"),
        (
            "oauth-proxy",
            PROXY_SECRET + '"; return 200 "',
            "CHAT_AUTH=oauth-proxy needs CHAT_PROXY_SECRET",
        ),
    ],
)
def test_start_hook_rejects_chat_auth_it_cannot_use_without_printing_the_secret(
    frontend_dist, chat_auth, secret, message
):
    server = Nginx(
        frontend_dist,
        "http://127.0.0.1:8000",
        chat_auth=chat_auth,
        proxy_secret=secret,
    )
    with pytest.raises(subprocess.CalledProcessError) as failure:
        try:
            server.render()
        finally:
            server.remove()
    output = (failure.value.stdout + failure.value.stderr).decode()
    assert message in output
    assert not secret or secret not in output
