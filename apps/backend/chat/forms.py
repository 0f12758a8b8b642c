"""The JSON bodies of the API, checked: each error says what is wrong."""

from django.conf import settings

from chat.api import ApiError, is_text
from chat.models import Conversation

FORMS = ("regenerate", "edit", "continue")
TITLE_MAX_CHARS = Conversation._meta.get_field("title").max_length


def _text(body: dict, required: bool) -> str | None:
    message = body.get("message")
    if message is None and not required:
        return None
    if not isinstance(message, str):
        raise ApiError("'message' is required and must be a string.")
    if not message.strip():
        raise ApiError("'message' must not be blank.")
    limit = settings.LLM_MAX_MESSAGE_CHARS
    if len(message) > limit:
        raise ApiError(
            f"Your message is {len(message):,} characters long; the limit is "
            f"{limit:,}. Shorten it and send again."
        )
    if not is_text(message):
        raise ApiError("'message' contains characters that are not text.")
    return message


def chat_form(body: dict) -> dict:
    """The keyword arguments of `services.turn_start` for a chat body: a
    message, or exactly one of regenerate, edit (with a message), continue."""
    conversation_id = body.get("conversation_id")
    if conversation_id is not None and not isinstance(conversation_id, str):
        raise ApiError("'conversation_id' must be a string.")
    form = {"conversation_id": conversation_id}
    given = [name for name in FORMS if name in body]
    if len(given) > 1:
        raise ApiError(f"Send only one of {', '.join(repr(n) for n in FORMS)}.")
    if not given:
        return {**form, "text": _text(body, required=True)}
    name = given[0]
    if conversation_id is None:
        raise ApiError(f"'{name}' needs a 'conversation_id'.")
    value = body[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(f"'{name}' must be a message id (a whole number).")
    text = _text(body, required=name == "edit")
    if text is not None and name != "edit":
        raise ApiError(f"'{name}' takes no 'message'.")
    form["continues" if name == "continue" else name] = value
    return {**form, "text": text}


def title(body: dict) -> str:
    """The new title of a PATCH body, stripped."""
    title = body.get("title")
    if not isinstance(title, str):
        raise ApiError("'title' is required and must be a string.")
    title = title.strip()
    if not title:
        raise ApiError("The title must not be blank.")
    if len(title) > TITLE_MAX_CHARS:
        raise ApiError(f"The title is longer than {TITLE_MAX_CHARS} characters.")
    if not is_text(title):
        raise ApiError("The title contains characters that are not text.")
    return title
