"""Turns of a conversation: what is stored when a question is asked, and the
reply.

A turn starts in one transaction before the LLM is called: the messages it
replaces are removed and the question is stored. The reply is stored when it
completes; a reply that fails or is cut off is stored and marked, so nothing
is lost on any failure path.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from django.db import transaction

from chat import budgets, database, llm, throttle
from chat.context import context_build
from chat.conversations import conversation_owned, title_from
from chat.models import Conversation, Message

STOPPED = "The answer was stopped before it was complete."


class TurnInvalid(Exception):
    """A regenerate, edit or continue that does not fit the conversation;
    ``str(error)`` is safe to show."""


@dataclass
class Turn:
    conversation: Conversation
    question: Message
    context: list[dict]
    continues: Message | None = None


@dataclass(frozen=True)
class Delta:
    """A piece of the reply's text, as it arrives."""

    text: str


@dataclass(frozen=True)
class Reply:
    """The stored reply, last; its `error` says why it ended early, if it did."""

    message: Message


def _index(messages: list[Message], message_id: int, role=None) -> int:
    for i, message in enumerate(messages):
        if message.id == message_id and role in (None, message.role):
            return i
    kind = "a question" if role == Message.Role.USER else "a message"
    raise TurnInvalid(f"Message {message_id} is not {kind} of this conversation.")


def _question_before(messages: list[Message], index: int) -> int:
    for i in range(index - 1, -1, -1):
        if messages[i].role == Message.Role.USER:
            return i
    raise TurnInvalid("That answer has no question to answer again.")


def _regenerated(messages: list[Message], message_id: int) -> int:
    """The question to answer again: the one before answer `message_id`, or
    question `message_id` itself when it has no answer."""
    index = _index(messages, message_id)
    if messages[index].role == Message.Role.ASSISTANT:
        return _question_before(messages, index)
    following = messages[index + 1 : index + 2]
    if following and following[0].role == Message.Role.ASSISTANT:
        raise TurnInvalid(
            f"Message {message_id} already has an answer: "
            "regenerate the answer instead."
        )
    return index


def _continued(messages: list[Message], message_id: int) -> int:
    """The question of answer `message_id`, which must be the last message
    and cut off."""
    last = messages[-1] if messages else None
    if not (
        last
        and last.id == message_id
        and last.role == Message.Role.ASSISTANT
        and last.status == Message.Status.PARTIAL
    ):
        raise TurnInvalid(
            "Only the last answer, when it was cut off, can be continued."
        )
    return _question_before(messages, len(messages) - 1)


def _turn_start(
    client, owner, conversation_id, text, regenerate, edit, continues
) -> Turn:
    # Counted in transactions of their own: a refused request still counts.
    throttle.chat_admit(client)
    budgets.admit(owner)
    with transaction.atomic():
        if conversation_id is None:
            conversation = Conversation.objects.create(
                owner=owner, title=title_from(text)
            )
            messages = []
        else:
            conversation = conversation_owned(
                owner=owner, conversation_id=conversation_id, locked=True
            )
            messages = list(conversation.messages.order_by("id"))
        # `question`: the index of the question answered; `keep`: how many
        # stored messages stay, the rest are replaced.
        partial = None
        if regenerate is not None:
            question = _regenerated(messages, regenerate)
            keep = question + 1
        elif edit is not None:
            question = keep = _index(messages, edit, Message.Role.USER)
        elif continues is not None:
            question, keep = _continued(messages, continues), len(messages)
            partial = messages[-1]
        else:
            question = keep = len(messages)
        if keep < len(messages):
            conversation.messages.filter(id__gte=messages[keep].id).delete()
            del messages[keep:]
        if text is not None:
            messages.append(
                Message.objects.create(
                    conversation=conversation, role=Message.Role.USER, content=text
                )
            )
        if conversation_id is not None:
            # A new conversation was stamped as it was created.
            conversation.save(update_fields=["updated_at"])
    return Turn(
        conversation=conversation,
        question=messages[question],
        continues=partial,
        context=context_build(
            earlier=messages[:question], question=messages[question], partial=partial
        ),
    )


async def turn_start(
    *,
    client: str,
    owner: str,
    conversation_id: str | None,
    text: str | None = None,
    regenerate: int | None = None,
    edit: int | None = None,
    continues: int | None = None,
) -> Turn:
    """Start a turn: a new question (`text`), another answer to the question
    of message `regenerate`, question `edit` replaced by `text`, or the cut-off
    answer `continues` continued. First the request is counted against the
    rate of its `client` (an address) and the budgets of its `owner`.

    Raises `throttle.Limited`, `budgets.Refused`, `ConversationNotFound` and
    `TurnInvalid`.
    """
    return await database.run(
        _turn_start, client, owner, conversation_id, text, regenerate, edit, continues
    )


def _reply_save(turn: Turn, content: str, usage: dict | None, error: str) -> Message:
    with transaction.atomic():
        if turn.continues is None:
            status = Message.Status.COMPLETE
            if error:
                status = Message.Status.PARTIAL if content else Message.Status.FAILED
            reply = Message.objects.create(
                conversation=turn.conversation,
                role=Message.Role.ASSISTANT,
                content=content,
                status=status,
                error=error,
                model=llm.model_name(),
                **(usage or {}),
            )
        else:
            reply = turn.continues
            reply.content += content
            # The text cut off before is there: a new failure leaves it partial.
            reply.status = Message.Status.PARTIAL if error else Message.Status.COMPLETE
            reply.error = error
            for field, count in (usage or {}).items():
                setattr(reply, field, (getattr(reply, field) or 0) + count)
            reply.save()
        # Keep the conversation list ordered by activity.
        turn.conversation.save(update_fields=["updated_at"])
        budgets.usage_add(turn.conversation.owner, usage)
    return reply


async def reply_save(
    *, turn: Turn, content: str, usage: dict | None = None, error: str = ""
) -> Message:
    """Store the reply of a turn: complete, or with the error that ended it."""
    return await database.run(_reply_save, turn, content, usage, error)


async def reply_get(*, turn: Turn) -> Message:
    """Ask the LLM for the whole reply and store it. A failed call is stored
    too: the returned reply then has an `error`."""
    try:
        answer = await llm.complete(turn.context)
    except llm.LLMError as exc:
        return await reply_save(turn=turn, content="", error=str(exc))
    return await reply_save(turn=turn, content=answer.text, usage=answer.usage)


async def reply_stream(*, turn: Turn) -> AsyncIterator[Delta | Reply]:
    """Stream the LLM's reply: a `Delta` for each piece of text, then the
    stored `Reply`, which has an `error` when the call failed or was cut off.

    When the reader goes away (the generator is closed or its task
    cancelled), the part that arrived is stored as a partial reply.
    """
    parts = []
    try:
        answer = await llm.stream(turn.context)
        async for delta in answer.deltas():
            parts.append(delta)
            yield Delta(delta)
    except llm.LLMError as exc:
        content = "".join(parts)
        yield Reply(await reply_save(turn=turn, content=content, error=str(exc)))
        return
    except (asyncio.CancelledError, GeneratorExit):
        await reply_save(turn=turn, content="".join(parts), error=STOPPED)
        raise
    content = "".join(parts)
    yield Reply(await reply_save(turn=turn, content=content, usage=answer.usage))
