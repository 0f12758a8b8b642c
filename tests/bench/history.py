"""Conversations with earlier messages. `seed` stores them in the backend's
database before the measured runs (run as a script with the backend's
settings); `Pool` hands each request the next one. A continued conversation
carries its owner's signed cookie, so the request also carries a CSRF token,
as a browser's does. The bare SDK gets the same earlier messages in its
request (`messages`)."""

import json
import secrets
import subprocess
import sys

from tests.bench.upstream import reply
from tests.servers import BACKEND_DIR, REPO

QUESTION = "Say hello."
ANSWER = reply()


def messages(earlier: int) -> list[dict]:
    """``earlier`` messages, questions and answers in turn, then the question."""
    turns = [
        {"role": "user", "content": QUESTION}
        if index % 2 == 0
        else {"role": "assistant", "content": ANSWER}
        for index in range(earlier)
    ]
    return [*turns, {"role": "user", "content": QUESTION}]


class Pool:
    """Conversations of ``earlier`` messages, each of its own owner, handed
    out in turn. When every one has been used, they are used again, each
    then two messages longer: `longest` says how long they grew."""

    def __init__(self, earlier: int, cookie: str, made: list[list[str]]) -> None:
        self.earlier = earlier
        self._cookie = cookie
        self._made = made
        self._used = 0
        self._csrf = secrets.token_hex(16)

    def next(self) -> tuple[dict, dict]:
        """The body fields and headers of the next request."""
        conversation_id, owner = self._made[self._used % len(self._made)]
        self._used += 1
        headers = {
            "Cookie": f"{self._cookie}={owner}; csrftoken={self._csrf}",
            "X-CSRFToken": self._csrf,
        }
        return {"conversation_id": conversation_id}, headers

    @property
    def longest(self) -> int:
        """The most earlier messages a request of this pool found."""
        rounds = max(1, -(-self._used // len(self._made)))
        return self.earlier + 2 * (rounds - 1)


def seed(backend, histories: tuple, count: int) -> dict[int, Pool]:
    """Store ``count`` conversations of each length in ``histories`` (earlier
    messages) in ``backend``'s database, through its models and settings: a
    pool for each length."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.history", str(count), *map(str, histories)],
        cwd=BACKEND_DIR,
        env={
            **backend.env,
            "PYTHONPATH": f"{BACKEND_DIR}:{REPO}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"seeding history failed:\n{result.stderr[-4000:]}")
    made = json.loads(result.stdout.splitlines()[-1])
    return {
        earlier: Pool(earlier, made["cookie"], made["conversations"][str(earlier)])
        for earlier in histories
    }


def _stored(earlier: int, count: int, signer) -> list[list[str]]:
    from chat.models import Conversation, Message

    owners = [f"browser:{secrets.token_hex(16)}" for _ in range(count)]
    conversations = Conversation.objects.bulk_create(
        Conversation(owner=owner, title=QUESTION) for owner in owners
    )
    Message.objects.bulk_create(
        (
            Message(conversation=conversation, **message)
            for conversation in conversations
            for message in messages(earlier)[:-1]
        ),
        batch_size=2000,
    )
    return [
        [str(conversation.pk), signer.sign(owner)]
        for conversation, owner in zip(conversations, owners, strict=True)
    ]


def main() -> None:
    """Print the cookie's name and, for each length, [conversation id, signed
    owner] of each conversation."""
    import django

    django.setup()
    from django.core.signing import get_cookie_signer
    from django.db import transaction

    from chat.owners import COOKIE, SALT

    count, histories = int(sys.argv[1]), [int(n) for n in sys.argv[2:]]
    signer = get_cookie_signer(salt=COOKIE + SALT)
    with transaction.atomic():
        made = {earlier: _stored(earlier, count, signer) for earlier in histories}
    sys.stdout.write(json.dumps({"cookie": COOKIE, "conversations": made}) + "\n")


if __name__ == "__main__":
    main()
