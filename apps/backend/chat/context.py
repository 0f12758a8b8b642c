"""What is sent to the model: the stored conversation as turns that alternate
user/assistant, start with the user and end with the question being answered.

Many chat templates (Mistral, Gemma, Llama 2 served by vLLM) refuse anything
else with a 400, so one failed answer must not break every later request.
"""

from django.conf import settings

from chat.models import Message

CONTINUE = "Continue exactly where your previous answer stopped, without repeating it."


def _answered(question: Message, answer: Message | None) -> bool:
    return (
        question.role == Message.Role.USER
        and answer is not None
        and answer.role == Message.Role.ASSISTANT
        and answer.status != Message.Status.FAILED
        and bool(answer.content)
    )


def _pairs(earlier: list[Message]) -> list[tuple[Message, Message]]:
    """Each question with the answer that has text; failed or empty answers,
    the questions they failed to answer and stray messages are left out."""
    pairs = []
    for question, answer in zip(earlier, [*earlier[1:], None], strict=False):
        if _answered(question, answer):
            pairs.append((question, answer))
    return pairs


def context_build(
    *, earlier: list[Message], question: Message, partial: Message | None = None
) -> list[dict]:
    """The messages for the model. `earlier` are the stored messages before
    `question`, oldest first. With `partial` (an answer to `question` that was
    cut off), the model is asked to continue it. Older turns are dropped whole
    to fit LLM_HISTORY_CHARS; the question (and the partial answer) stay."""
    last = [{"role": "user", "content": question.content}]
    if partial is not None:
        last += [
            {"role": "assistant", "content": partial.content},
            {"role": "user", "content": CONTINUE},
        ]
    used = sum(len(m["content"]) for m in last)
    turns = []
    for asked, answered in reversed(_pairs(earlier)):
        used += len(asked.content) + len(answered.content)
        if used > settings.LLM_HISTORY_CHARS:
            break
        turns[:0] = [
            {"role": "user", "content": asked.content},
            {"role": "assistant", "content": answered.content},
        ]
    return turns + last
