"""The chat's JSON and event-stream views: a turn, the conversations, the
session. Each parses and checks the request, calls one service, and shapes the
answer; none knows LiteLLM. What they share is in chat/api.py."""

import json
from contextlib import aclosing

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

from chat import budgets, conversations, forms, identity, llm, services, throttle
from chat.api import DATABASE_DOWN, ApiError, api, is_text, json_body
from chat.models import Conversation, Message
from chat.services import Delta, Reply


async def _turn(request) -> services.Turn:
    """The body checked, then the turn started; each refusal as an `ApiError`."""
    form = forms.chat_form(json_body(request))
    try:
        return await services.turn_start(
            client=throttle.client_ip(request), owner=request.owner, **form
        )
    except throttle.Limited:
        raise ApiError("Too many requests: wait a minute and try again.", 429) from None
    except budgets.Refused as exc:
        raise ApiError(str(exc), 429, {"Retry-After": str(exc.retry_after)}) from None
    except conversations.ConversationNotFound:
        raise ApiError("Conversation not found.", 404) from None
    except services.TurnInvalid as exc:
        raise ApiError(str(exc)) from None


def _usage(message: Message) -> dict | None:
    if message.total_tokens is None:
        return None
    return {
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "total_tokens": message.total_tokens,
    }


@api("POST", owned=True)
async def chat(request):
    """Answer a message with the LLM's whole reply."""
    turn = await _turn(request)
    reply = await services.reply_get(turn=turn)
    conversation_id = str(turn.conversation.pk)
    if reply.error:
        return JsonResponse(
            {"error": reply.error, "conversation_id": conversation_id}, status=500
        )
    body = {
        "response": reply.content,
        "conversation_id": conversation_id,
        "message_id": reply.pk,
    }
    if usage := _usage(reply):
        body["usage"] = usage
    if llm.is_demo():
        body["demo"] = True
    return JsonResponse(body)


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


@api("POST", owned=True)
async def chat_stream(request):
    """Answer a message with server-sent events as the reply arrives."""
    turn = await _turn(request)
    conversation_id = str(turn.conversation.pk)
    continues = turn.continues.pk if turn.continues else None

    async def events():
        yield _event(
            "start",
            {
                "conversation_id": conversation_id,
                "title": turn.conversation.title,
                "demo": llm.is_demo(),
                "question_id": None if continues else turn.question.pk,
                "answer_to": turn.question.pk,
                "continues": continues,
            },
        )
        replies = services.reply_stream(turn=turn)
        async with aclosing(replies):
            try:
                async for event in replies:
                    match event:
                        case Delta(text):
                            yield _event("delta", {"text": text})
                        case Reply(reply) if reply.error:
                            yield _event(
                                "error",
                                {
                                    "error": reply.error,
                                    "conversation_id": conversation_id,
                                    "message_id": reply.pk,
                                },
                            )
                        case Reply(reply):
                            yield _event(
                                "done",
                                {
                                    "conversation_id": conversation_id,
                                    "message_id": reply.pk,
                                    "usage": _usage(reply),
                                },
                            )
            except DatabaseError:
                yield _event(
                    "error",
                    {
                        "error": DATABASE_DOWN,
                        "conversation_id": conversation_id,
                        "message_id": None,
                    },
                )

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _summary(conversation: Conversation) -> dict:
    return {
        "id": str(conversation.pk),
        "title": conversation.title,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
    }


@api("GET", owned=True)
@ensure_csrf_cookie  # The page calls this first and takes its CSRF token here.
async def conversation_list(request):
    """The caller's conversations, newest activity first, `q` in the title."""
    query = request.GET.get("q", "").strip()
    if not is_text(query):
        raise ApiError("'q' contains characters that are not text.")
    found = await conversations.conversation_list(owner=request.owner, query=query)
    return JsonResponse({"conversations": [_summary(c) for c in found]})


@api("GET", "PATCH", "DELETE", owned=True)
async def conversation_detail(request, conversation_id):
    """A conversation with its messages (GET), renamed (PATCH), deleted."""
    owned = {"owner": request.owner, "conversation_id": conversation_id}
    try:
        if request.method == "PATCH":
            title = forms.title(json_body(request))
            conversation = await conversations.conversation_rename(**owned, title=title)
            return JsonResponse(_summary(conversation))
        if request.method == "DELETE":
            await conversations.conversation_delete(**owned)
            return HttpResponse(status=204)
        conversation, messages = await conversations.conversation_get(**owned)
    except conversations.ConversationNotFound:
        raise ApiError("Conversation not found.", 404) from None
    return JsonResponse(
        {
            "conversation_id": str(conversation.pk),
            "title": conversation.title,
            "messages": [
                {
                    "id": m.pk,
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
async def session(request):
    """Who the proxy signed in, and where to sign out; both null otherwise."""
    user = identity.proven_user(request)
    return JsonResponse(
        {"user": user, "sign_out_url": identity.SIGN_OUT_URL if user else None}
    )
