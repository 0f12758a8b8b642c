"""Hostile input for the chat API, as Hypothesis strategies, and the rules the
backend applies to a message.

Examples are drawn from FUZZ_SEED (0 in CI, random otherwise; the summary
prints it); FUZZ_EXAMPLES sets how many each test runs.
"""

import json
import os
import re
import secrets

import httpx
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django.conf import settings

from tests.reliability.conftest import assert_no_secrets, parse_events

SEED = int(
    os.environ.get("FUZZ_SEED") or (0 if os.environ.get("CI") else secrets.randbits(32))
)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
fuzz = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=())),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=15,
)
any_text = st.text(st.characters(exclude_categories=()))  # surrogates too
control_text = st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Cs"]))
huge_text = st.builds(
    lambda char, count: char * count, st.characters(), st.integers(0, 100_000)
)
# Two in three valid, so that many requests reach the LLM and the database.
valid_text = st.text(min_size=1)
messages = st.one_of(
    valid_text,
    valid_text,
    st.one_of(any_text, control_text, huge_text, json_values),
)
conversation_ids = st.one_of(
    st.none(), st.uuids().map(str), any_text, json_values, st.just("")
)


@st.composite
def chat_objects(draw):
    body = {"message": draw(messages)}
    if draw(st.integers(0, 3)) == 0:
        body["conversation_id"] = draw(conversation_ids)
    body.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3)))
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode(
        "utf-8", "surrogatepass"
    )


def nested(depth: int, shape: str) -> bytes:
    opening, closing = {"list": ("[", "]"), "object": ('{"message":', "}")}[shape]
    return (opening * depth + "0" + closing * depth).encode()


duplicate_keys = st.lists(
    st.tuples(st.sampled_from(["message", "conversation_id"]), json_values),
    min_size=2,
    max_size=4,
).map(
    lambda pairs: (
        "{" + ",".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"
    ).encode()
)
bodies = st.one_of(
    chat_objects(),
    chat_objects(),
    st.one_of(
        json_values.map(lambda value: json.dumps(value).encode()),
        st.builds(nested, st.integers(1, 150_000), st.sampled_from(["list", "object"])),
        duplicate_keys,
        st.binary(max_size=2048),
        any_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
    ),
)
content_types = st.one_of(
    st.just("application/json"),
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=utf-16",
            "APPLICATION/JSON",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=fuzz",
            "application/jsonx",
            "",
        ]
    ),
)
# Header values as HTTP allows them: printable, no spaces around.
request_ids = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)).map(
    str.strip
)


def expected_refusal(body: str, message: str) -> tuple[int, str] | None:
    """The backend's rules for a message, as the contract states them, with the
    limits of the settings the served backend runs with."""
    if len(body.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return 413, "The request body is too large."
    if not message.strip():
        return 400, "'message' must not be blank."
    limit = settings.LLM_MAX_MESSAGE_CHARS
    if len(message) > limit:
        return 400, (
            f"Your message is {len(message):,} characters long; the limit is "
            f"{limit:,}. Shorten it and send again."
        )
    if "\x00" in message or re.search("[\ud800-\udfff]", message):
        return 400, "'message' contains characters that are not text."
    return None


def assert_not_a_server_fault(response: httpx.Response, payload: str) -> None:
    assert "Traceback" not in payload
    assert 'File "' not in payload
    assert_no_secrets(payload)
    assert response.status_code in (200, 400, 404, 413, 500), payload[:300]
    if response.status_code == 500:
        assert list(json.loads(payload)) == ["error", "conversation_id"]


def assert_stored_exactly_or_refused_by_rule(
    client: httpx.Client, path: str, message: str
) -> int:
    """Send a message to /chat or /chat/stream: it is refused as the rules say,
    or answered and stored exactly as sent. Returns the status."""
    body = json.dumps({"message": message})
    # As the server reads it: JSON joins an escaped surrogate pair.
    message = json.loads(body)["message"]
    response = client.post(
        path, content=body, headers={"Content-Type": "application/json"}
    )

    assert_not_a_server_fault(response, response.text)
    refusal = expected_refusal(body, message)
    if refusal:
        status, error = refusal
        assert (response.status_code, response.json()) == (status, {"error": error})
        return response.status_code
    assert response.status_code == 200
    if path == "/chat":
        conversation_id = response.json()["conversation_id"]
    else:
        conversation_id = parse_events(response.text)[0][1]["conversation_id"]
    stored = client.get(f"/chat/conversations/{conversation_id}").json()
    assert [(m["role"], m["content"]) for m in stored["messages"]] == [
        ("user", message),
        ("assistant", "Hello from the fake model."),
    ]
    return response.status_code
