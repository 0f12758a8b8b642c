"""Loaded by every Python process of the cold-start runs (on PYTHONPATH): log
each attempt to resolve or connect to a host other than loopback to the file
named by BENCH_NET_LOG. Sockets that bypass Python's socket module (uvloop's
own connect, for one) are not seen here; strace sees those."""

import os
import sys

LOG = os.environ.get("BENCH_NET_LOG")
LOOPBACK = ("127.", "::1", "localhost")


def _host(event: str, args: tuple):
    if event == "socket.connect":
        address = args[1]
        return address[0] if isinstance(address, tuple) else None
    if event in ("socket.getaddrinfo", "socket.gethostbyname"):
        return args[0]
    return None


def _record(event: str, args: tuple) -> None:
    host = _host(event, args)
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not host or host.startswith(LOOPBACK):
        return
    with open(LOG, "a") as log:
        log.write(f"{os.getpid()} {event} {host}\n")


if LOG:
    sys.addaudithook(_record)
