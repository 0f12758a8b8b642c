"""The JSON and event-stream API. Views parse and check the request, call one
service, and shape the answer; they do not know LiteLLM."""

import json
from contextlib import aclosing
from functools import wraps

from asgiref.sync import sync_to_async

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, connection
from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from chat import llm, services, throttle
from chat.models import Message


class ApiError(Exception):
    """Answered as {"error": message} with this status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def api(*methods):
    """Answer other methods with 405, and an `ApiError` with its status, both
    as a JSON error."""

    def decorator(view):
        @wraps(view)
        async def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error(f"Method {request.method} is not allowed.", 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return await view(request, *args, **kwargs)
            except ApiError as exc:
                return error(str(exc), exc.status)

        return wrapper

    return decorator


def _chat_input(request) -> tuple[str, str | None]:
    """The message and conversation id of a chat request, checked."""
    if throttle.chat_limited(request):
        raise ApiError("Too many requests: wait a minute and try again.", 429)
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
    message = body.get("message")
    if not isinstance(message, str):
        raise ApiError("'message' is required and must be a string.")
    if not message.strip():
        raise ApiError("'message' must not be blank.")
    if len(message) > settings.LLM_MAX_MESSAGE_CHARS:
        raise ApiError(
            f"'message' is longer than {settings.LLM_MAX_MESSAGE_CHARS} characters."
        )
    if not _is_text(message):
        raise ApiError("'message' contains characters that are not text.")
    conversation_id = body.get("conversation_id")
    if conversation_id is not None and not isinstance(conversation_id, str):
        raise ApiError("'conversation_id' must be a string.")
    return message, conversation_id


def _is_text(value: str) -> bool:
    """True unless the string holds NUL or lone surrogates, which no database
    column can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


DATABASE_DOWN = "The database is unavailable: try again shortly."


async def _chat_request(request):
    """The message of a chat request and the conversation it belongs to."""
    message, conversation_id = _chat_input(request)
    return message, await _conversation(conversation_id)


async def _conversation(conversation_id):
    try:
        return await services.conversation_resolve(conversation_id=conversation_id)
    except services.ConversationNotFound:
        raise ApiError("Unknown conversation_id.") from None
    except DatabaseError:
        raise ApiError(DATABASE_DOWN, 503) from None


@csrf_exempt  # No cookies are used; the JSON-only body needs a CORS preflight.
@api("POST")
async def chat(request):
    """Answer a message with the LLM's whole reply."""
    message, conversation = await _chat_request(request)
    try:
        reply = await services.reply_get(conversation=conversation, text=message)
    except llm.LLMError as exc:
        raise ApiError(str(exc), 500) from None
    except DatabaseError:
        raise ApiError(DATABASE_DOWN, 503) from None
    body = {"response": reply.content, "conversation_id": str(conversation.pk)}
    if reply.total_tokens is not None:
        body["usage"] = _usage(reply)
    if llm.is_demo():
        body["demo"] = True
    return JsonResponse(body)


def _usage(message: Message) -> dict:
    return {
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "total_tokens": message.total_tokens,
    }


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


@csrf_exempt  # As chat() above.
@api("POST")
async def chat_stream(request):
    """Answer a message with server-sent events as the reply arrives."""
    message, conversation = await _chat_request(request)

    async def events():
        conversation_id = str(conversation.pk)
        yield _event(
            "start", {"conversation_id": conversation_id, "demo": llm.is_demo()}
        )
        replies = services.reply_stream(conversation=conversation, text=message)
        async with aclosing(replies):
            try:
                async for item in replies:
                    if isinstance(item, Message):
                        usage = _usage(item) if item.total_tokens is not None else None
                        yield _event(
                            "done", {"conversation_id": conversation_id, "usage": usage}
                        )
                    else:
                        yield _event("delta", {"text": item})
            except llm.LLMError as exc:
                yield _event(
                    "error", {"error": str(exc), "conversation_id": conversation_id}
                )
            except DatabaseError:
                yield _event(
                    "error",
                    {"error": DATABASE_DOWN, "conversation_id": conversation_id},
                )

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@api("GET")
async def conversation_detail(request, conversation_id):
    """The stored messages of a conversation, for a reloaded page."""
    try:
        messages = await services.conversation_messages_get(
            conversation_id=conversation_id
        )
    except services.ConversationNotFound:
        raise ApiError("Unknown conversation_id.", 404) from None
    except DatabaseError:
        raise ApiError(DATABASE_DOWN, 503) from None
    return JsonResponse(
        {
            "conversation_id": str(conversation_id),
            "messages": [
                {
                    "role": m.role,
                    "content": m.content,
                    "status": m.status,
                    "error": m.error,
                    "created_at": m.created_at.isoformat(),
                }
                for m in messages
            ],
        }
    )


@api("GET")
async def health(request):
    """Liveness: the process answers. Never calls the LLM."""
    return JsonResponse(
        {
            "status": "ok",
            "model": llm.model_name(),
            "llm_configured": llm.is_configured(),
            "demo": llm.is_demo(),
            "build": settings.BUILD_INFO or None,
        }
    )


def _database_check():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@api("GET")
async def ready(request):
    """Readiness: the database answers too."""
    try:
        await sync_to_async(_database_check)()
    except DatabaseError:
        return JsonResponse(
            {"status": "unavailable", "database": "unavailable"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


# JSON for the errors Django answers itself (config/urls.py).
def bad_request(request, exception):
    return error("Bad request.", 400)


def not_found(request, exception):
    return error("Not found.", 404)


def server_error(request):
    return error("Internal server error.", 500)
