"""A PostgreSQL database made for one run on the server DATABASE_URL names, as
the backend runs in the cluster, and dropped afterwards. The URL's role needs
CREATEDB; the URL's own database is only connected to, to create the other."""

import contextlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def server_url() -> str:
    """DATABASE_URL when it names a PostgreSQL server, else ""; the server
    must listen on 127.0.0.1, as everything the benchmark talks to."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        return ""
    if parts.hostname != "127.0.0.1":
        raise SystemExit("DATABASE_URL must name a PostgreSQL server on 127.0.0.1.")
    return url


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.contextmanager
def fresh(url: str) -> Iterator[str]:
    """The URL of a new, empty database on ``url``'s server."""
    name = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


def describe(url: str) -> str:
    """The server's version and its connection limit, which a backend holding
    a connection per request in flight can reach."""
    with psycopg.connect(url) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        limit = connection.execute("SHOW max_connections").fetchone()[0]
    return f"{version} (max_connections {limit})"
