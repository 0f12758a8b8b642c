"""An owner's conversations: list, read, rename, delete."""

import re

from django.core.exceptions import ValidationError

from chat import database
from chat.models import Conversation, Message

LIST_LIMIT = 200
TITLE_CHARS = 60


class ConversationNotFound(Exception):
    """Unknown, malformed, or another owner's: the same to the caller."""


def title_from(text: str) -> str:
    """The first line of a message, whitespace collapsed, cut to TITLE_CHARS."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    title = re.sub(r"\s+", " ", line).strip()
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "…"
    return title


def _owned_by(owner: str):
    # Conversations stored before owners existed have owner "": nobody's.
    return Conversation.objects.filter(owner=owner).exclude(owner="")


def conversation_owned(
    *, owner: str, conversation_id: str, locked: bool = False
) -> Conversation:
    """The owner's conversation; `locked` until the transaction ends."""
    conversations = _owned_by(owner)
    if locked:
        conversations = conversations.select_for_update()
    try:
        return conversations.get(pk=conversation_id)
    except (Conversation.DoesNotExist, ValidationError) as exc:
        raise ConversationNotFound(conversation_id) from exc


def _list(owner: str, query: str) -> list[Conversation]:
    conversations = _owned_by(owner)
    if query:
        conversations = conversations.filter(title__icontains=query)
    conversations = conversations.order_by("-updated_at")[:LIST_LIMIT]
    return list(conversations.only("title", "created_at", "updated_at"))


async def conversation_list(*, owner: str, query: str = "") -> list[Conversation]:
    """The owner's conversations, newest activity first; `query` filters the
    titles."""
    return await database.run(_list, owner, query)


def _get(owner: str, conversation_id: str) -> tuple[Conversation, list[Message]]:
    conversation = conversation_owned(owner=owner, conversation_id=conversation_id)
    return conversation, list(conversation.messages.order_by("id"))


async def conversation_get(
    *, owner: str, conversation_id: str
) -> tuple[Conversation, list[Message]]:
    """The owner's conversation and its messages, oldest first."""
    return await database.run(_get, owner, conversation_id)


def _rename(owner: str, conversation_id: str, title: str) -> Conversation:
    conversation = conversation_owned(owner=owner, conversation_id=conversation_id)
    conversation.title = title
    # Not save(): renaming is no activity, updated_at keeps its value.
    Conversation.objects.filter(pk=conversation.pk).update(title=title)
    return conversation


async def conversation_rename(
    *, owner: str, conversation_id: str, title: str
) -> Conversation:
    """Give the conversation a title; its place in the list stays."""
    return await database.run(_rename, owner, conversation_id, title)


def _delete(owner: str, conversation_id: str) -> None:
    conversation_owned(owner=owner, conversation_id=conversation_id).delete()


async def conversation_delete(*, owner: str, conversation_id: str) -> None:
    """Delete the conversation with its messages."""
    await database.run(_delete, owner, conversation_id)
