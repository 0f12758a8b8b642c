"""Conversations and their messages: what is stored, and when.

The user's message is saved before the LLM is called, the reply when it
completes; a reply that fails or is cut off is saved and marked, so nothing is
lost on any failure path.
"""

import asyncio
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from chat import llm
from chat.models import Conversation, Message


class ConversationNotFound(Exception):
    pass


async def conversation_resolve(*, conversation_id: str | None) -> Conversation:
    """The conversation to continue, or a new one when no id is given."""
    if conversation_id is None:
        return await Conversation.objects.acreate()
    try:
        return await Conversation.objects.aget(pk=conversation_id)
    except (Conversation.DoesNotExist, ValidationError) as exc:
        raise ConversationNotFound(conversation_id) from exc


async def conversation_messages_get(*, conversation_id: str) -> list[Message]:
    conversation = await conversation_resolve(conversation_id=conversation_id)
    return [message async for message in conversation.messages.all()]


async def conversation_history_get(*, conversation: Conversation) -> list[dict]:
    """The messages to send to the LLM: the newest that fit LLM_HISTORY_CHARS,
    always including the last one."""
    history, used = [], 0
    messages = conversation.messages.exclude(content="").order_by("-created_at", "-id")
    async for message in messages.only("role", "content"):
        used += len(message.content)
        if history and used > settings.LLM_HISTORY_CHARS:
            break
        history.append({"role": message.role, "content": message.content})
    history.reverse()
    return history


def _message_create(conversation: Conversation, role: str, fields: dict) -> Message:
    with transaction.atomic():
        message = Message.objects.create(conversation=conversation, role=role, **fields)
        # Keep the conversation list ordered by activity.
        conversation.save(update_fields=["updated_at"])
    return message


async def message_create(*, conversation: Conversation, role: str, **fields) -> Message:
    """Both writes in one transaction and one trip to the database thread."""
    return await sync_to_async(_message_create)(conversation, role, fields)


async def _reply_save(
    *,
    conversation: Conversation,
    content: str,
    usage: dict | None = None,
    error: str = "",
) -> Message:
    if not error:
        status = Message.Status.COMPLETE
    else:
        status = Message.Status.PARTIAL if content else Message.Status.FAILED
    return await message_create(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        content=content,
        status=status,
        error=error,
        model=llm.model_name(),
        **(usage or {}),
    )


async def reply_get(*, conversation: Conversation, text: str) -> Message:
    """Store the user's message, ask the LLM, store and return its reply.

    Raises `llm.LLMError` (after storing the failure).
    """
    await message_create(
        conversation=conversation, role=Message.Role.USER, content=text
    )
    history = await conversation_history_get(conversation=conversation)
    try:
        answer = await llm.complete(history)
    except llm.LLMError as exc:
        await _reply_save(conversation=conversation, content="", error=str(exc))
        raise
    return await _reply_save(
        conversation=conversation, content=answer.text, usage=answer.usage
    )


async def reply_stream(*, conversation: Conversation, text: str) -> AsyncIterator:
    """Store the user's message and stream the LLM's reply: yields each text
    delta, then the stored reply `Message`.

    Raises `llm.LLMError` (after storing what arrived). When the reader goes
    away (the generator is closed or its task cancelled), the part that
    arrived is stored as a partial reply.
    """
    await message_create(
        conversation=conversation, role=Message.Role.USER, content=text
    )
    history = await conversation_history_get(conversation=conversation)
    parts = []
    try:
        answer = await llm.stream(history)
        async for delta in answer.deltas():
            parts.append(delta)
            yield delta
    except llm.LLMError as exc:
        await _reply_save(
            conversation=conversation, content="".join(parts), error=str(exc)
        )
        raise
    except (asyncio.CancelledError, GeneratorExit):
        await _reply_save(
            conversation=conversation,
            content="".join(parts),
            error="The client disconnected before the answer was complete.",
        )
        raise
    yield await _reply_save(
        conversation=conversation, content="".join(parts), usage=answer.usage
    )
