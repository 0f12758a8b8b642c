"""The nginx configuration of the frontend image, in Debian's nginx, in front
of a small recording upstream on 127.0.0.1 (the browser tests put the real
backend behind it)."""

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
        self.seen.append((self.path, dict(self.headers)))
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
        self.seen.append((self.path, dict(self.headers)))
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
        health = httpx.get(no_backend.url + "/nginx-health")
        api = httpx.get(no_backend.url + "/health")
    assert (health.status_code, health.text) == (200, "ok\n")
    assert api.status_code == 502
    assert_security_headers(api)


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
