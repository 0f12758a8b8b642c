"""A stand-in for OpenShift's oauth-proxy on 127.0.0.1, for tests and for
`tox -e dev-signed-in`.

It behaves as the real one does in front of the frontend's nginx (see
openshift/oauth-proxy, oauthproxy.go), minus the trip to the cluster's login:

- a request without a valid session cookie is redirected to the login (as
  with ``--skip-provider-button``); here the login is ``/oauth/sign_in``, a
  page on this server that lists the test identities, where the real one
  sends the browser to OpenShift's login page;
- ``/oauth/start?user=<name>&rd=<path>`` signs a test identity in at once
  (the real one redeems OpenShift's answer at ``/oauth/callback``), sets the
  session cookie and redirects to ``rd``;
- a signed-in request goes to the upstream with ``X-Forwarded-User`` and
  ``X-Forwarded-Access-Token`` (``--pass-access-token``) set by the proxy,
  whatever identity headers the client sent;
- ``/oauth/sign_out`` clears the cookie and redirects to ``/``;
- answers stream through as they come (the real one flushes event streams).

It runs its own event loop in a thread (tests/loop_server.py).
"""

import hashlib
import hmac
import html
import secrets
from urllib.parse import quote

import aiohttp
from aiohttp import web

from tests.loop_server import LoopServer

COOKIE = "_oauth_proxy"
PREFIX = "/oauth"
# Identity headers that only the proxy may set: a client's are dropped.
IDENTITY_HEADERS = (
    "X-Forwarded-User",
    "X-Forwarded-Email",
    "X-Forwarded-Preferred-Username",
    "X-Forwarded-Groups",
    "X-Forwarded-Access-Token",
    "GAP-Auth",
)
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}
# The upstream may take as long as the real proxy's --upstream-timeout.
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=300)


def local_path(redirect: str) -> str:
    """``rd`` when it is a path on this site, else ``/`` (no open redirect)."""
    if redirect.startswith("/") and not redirect.startswith(("//", "/\\")):
        return redirect
    return "/"


def redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


class FakeOAuthProxy(LoopServer):
    """``proxy = FakeOAuthProxy(upstream_url, {"alice": token}).start()``;
    ``proxy.url``; ``proxy.stop()``. ``tokens`` maps each test user to the
    OpenShift access token the proxy passes on for them; ``port`` 0 is any
    free port."""

    # A browser that goes away (Stop) ends the upstream request too.
    runner_options = {"handler_cancellation": True}

    def __init__(
        self, upstream_url: str, tokens: dict[str, str], port: int = 0
    ) -> None:
        super().__init__(port)
        self.upstream_url = upstream_url.rstrip("/")
        self.tokens = dict(tokens)
        # Signs the session cookie: a cookie a client makes up is no session.
        self._key = secrets.token_bytes(32)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cookie_for(self, user: str) -> str:
        """The session cookie's value for ``user``, as a sign-in sets it."""
        signature = hmac.new(self._key, user.encode(), hashlib.sha256).hexdigest()
        return f"{user}|{signature}"

    def _user_of(self, request: web.Request) -> str | None:
        cookie = request.cookies.get(COOKIE, "")
        user = cookie.partition("|")[0]
        if user in self.tokens and hmac.compare_digest(cookie, self.cookie_for(user)):
            return user
        return None

    def routes(self, app: web.Application) -> None:
        app.router.add_get(f"{PREFIX}/healthz", self._healthz)
        app.router.add_get(f"{PREFIX}/sign_in", self._sign_in)
        app.router.add_get(f"{PREFIX}/start", self._start)
        app.router.add_get(f"{PREFIX}/sign_out", self._sign_out)
        app.router.add_route("*", "/{path:.*}", self._proxy)

    async def _serve(self) -> None:
        self._client = aiohttp.ClientSession(
            timeout=UPSTREAM_TIMEOUT, auto_decompress=False
        )
        await super()._serve()

    async def _shutdown(self) -> None:
        await super()._shutdown()
        await self._client.close()

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="OK")

    async def _sign_in(self, request: web.Request) -> web.Response:
        then = local_path(request.query.get("rd", "/"))
        links = "".join(
            f'<li><a href="{PREFIX}/start?user={quote(user)}&amp;rd='
            f'{html.escape(quote(then, safe=""))}">Sign in as {html.escape(user)}'
            "</a></li>"
            for user in self.tokens
        )
        page = (
            "<!doctype html><html><head><title>Sign in</title></head><body>"
            "<h1>Sign in</h1><p>A test sign-in: pick a test identity.</p>"
            f"<ul>{links}</ul></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    async def _start(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "")
        if user not in self.tokens:
            return web.Response(
                text="<!doctype html><title>403 Permission Denied</title>"
                "<h1>Permission Denied</h1><p>Invalid Account</p>",
                status=403,
                content_type="text/html",
            )
        response = redirect(local_path(request.query.get("rd", "/")))
        response.set_cookie(
            COOKIE, self.cookie_for(user), path="/", httponly=True, samesite="Lax"
        )
        return response

    async def _sign_out(self, request: web.Request) -> web.Response:
        response = redirect("/")
        response.del_cookie(COOKIE, path="/")
        return response

    async def _proxy(self, request: web.Request) -> web.StreamResponse:
        user = self._user_of(request)
        if user is None:
            return redirect(f"{PREFIX}/sign_in?rd={quote(request.path_qs, safe='')}")
        # Host passes as it came (the real one's --pass-host-header default).
        headers = request.headers.copy()
        for name in (*IDENTITY_HEADERS, *HOP_BY_HOP, "Content-Length"):
            headers.popall(name, None)
        headers["X-Forwarded-User"] = user
        headers["X-Forwarded-Access-Token"] = self.tokens[user]
        async with self._client.request(
            request.method,
            self.upstream_url + request.path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            response = web.StreamResponse(
                status=upstream.status, reason=upstream.reason
            )
            for name, value in upstream.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    response.headers.add(name, value)
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response
