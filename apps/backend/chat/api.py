"""What every JSON view shares: allowed methods, errors as JSON, the owner
and its CSRF check, and the checked request body; and the JSON answers of the
errors Django raises itself."""

import json
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import JsonResponse
from django.views import csrf
from django.views.decorators.csrf import csrf_protect

from chat import logging, owners

DATABASE_DOWN = "The chat cannot reach its database right now. Try again in a minute."
SIGN_IN = "Sign in to chat."


class ApiError(Exception):
    """Answered as {"error": message} with this status and headers."""

    def __init__(self, message: str, status: int = 400, headers=None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def error(message: str, status: int, headers=None) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, headers=headers)


def api(*methods, owned=False):
    """Answer other methods with 405, an `ApiError` with its status, and a
    database outage with 503, each as a JSON error.

    With `owned`, `request.owner` is the caller (chat/owners.py), and a new
    owner's cookie is set on the response; without a signed-in user when one
    is required, the answer is 401. A signed-in user (the proxy's session
    cookie) and a request that carries the owner cookie hold the browser's
    ambient authority, so their writes must pass Django's CSRF check; a
    request with neither (a script) has nothing to forge.
    """

    def decorator(view):
        checked = csrf_protect(view)

        @wraps(view)
        async def wrapper(request, *args, **kwargs):
            return await answer(request, view, checked, methods, owned, args, kwargs)

        return wrapper

    return decorator


async def answer(request, view, checked, methods, owned, args, kwargs):
    """The answer of an `api` view; `checked` is the view behind Django's CSRF
    check. A function of its own, called on each request: the decorator runs
    once, at import, where mutation testing (tests/mutation) cannot see which
    tests exercise it."""
    if request.method not in methods:
        response = error(f"Method {request.method} is not allowed.", 405)
        response["Allow"] = ", ".join(methods)
        return response
    target = view
    if owned:
        try:
            request.owner = owners.owner_get(request)
        except owners.SignInRequired:
            return error(SIGN_IN, 401)
        signed_in = owners.is_user(request.owner)
        logging.user.set(request.owner.removeprefix("user:") if signed_in else "-")
        if signed_in or owners.has_cookie(request):
            target = checked
    try:
        response = await target(request, *args, **kwargs)
    except ApiError as exc:
        response = error(str(exc), exc.status, exc.headers)
    except DatabaseError:
        response = error(DATABASE_DOWN, 503)
    if owned:
        owners.owner_cookie_set(request, response)
    return response


def is_text(value: str) -> bool:
    """True unless the string holds NUL or lone surrogates, which no database
    column can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def json_body(request) -> dict:
    """The request's JSON object, or an `ApiError` saying what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(
            "The request body must be JSON (Content-Type: application/json)."
        )
    try:
        body = json.loads(request.body)
    except RequestDataTooBig:
        raise ApiError("The request body is too large.", status=413) from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError("The request body is not valid JSON.") from None
    except RecursionError:
        raise ApiError("The request body is nested too deeply.") from None
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object.")
    return body


# config/urls.py (handler400, ...) and CSRF_FAILURE_VIEW name these.
def bad_request(request, exception):
    return error("Bad request.", 400)


def not_found(request, exception):
    return error("Not found.", 404)


def server_error(request):
    return error("Internal server error.", 500)


def csrf_failure(request, reason=""):
    if request.path_info.startswith("/admin/"):
        return csrf.csrf_failure(request, reason)
    return error(
        "This request was refused because it did not come from the chat page. "
        "Reload the page and try again.",
        403,
    )
