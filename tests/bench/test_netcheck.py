"""The cold start's two network checks see a remote attempt and let loopback
pass. Run with `pytest tests/bench` in the bench environment."""

import importlib

from tests.bench.coldstart import REMOTE_CONNECT

IPV4 = "12 connect(3, {sa_family=AF_INET, sin_port=htons(53), "
IPV6 = (
    "12 connect(4, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
)
LOOPBACK_LINES = (
    IPV4 + 'sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    IPV6 + 'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
    '12 connect(5, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110) = 0',
)
REMOTE_LINES = (
    IPV4 + 'sin_addr=inet_addr("10.0.0.2")}, 16) = -1 ENETUNREACH',
    IPV6 + 'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28)',
)


def test_strace_pattern_finds_remote_connects_only():
    assert [REMOTE_CONNECT.findall(line) for line in LOOPBACK_LINES] == [[], [], []]
    assert [REMOTE_CONNECT.findall(line) for line in REMOTE_LINES] == [
        ["10.0.0.2"],
        ["2001:db8::1"],
    ]


def test_audit_hook_logs_remote_hosts_only(tmp_path, monkeypatch):
    monkeypatch.delenv("BENCH_NET_LOG", raising=False)
    monkeypatch.syspath_prepend("tests/bench/nethook")
    hook = importlib.import_module("sitecustomize")  # installs no hook here
    log = tmp_path / "net.log"
    monkeypatch.setattr(hook, "LOG", str(log))
    hook._record("socket.getaddrinfo", ("localhost", 80, 0, 0, 0))
    hook._record("socket.connect", (None, ("127.0.0.1", 80)))
    hook._record("socket.connect", (None, "/run/x.sock"))
    assert not log.exists()
    hook._record("socket.getaddrinfo", ("example.invalid", 443, 0, 0, 0))
    hook._record("socket.connect", (None, ("10.0.0.2", 53)))
    lines = [line.split(" ", 1)[1] for line in log.read_text().splitlines()]
    assert lines == [
        "socket.getaddrinfo example.invalid",
        "socket.connect 10.0.0.2",
    ]
