"""The log: JSON lines on stdout in which no secret is ever written, whatever
carries it there."""

import io
import json
import logging

import pytest

from chat.logging import access_token
from tests.backend.conftest import API_KEY, post

SECRET = "a-secret-that-must-never-reach-the-log-7731"


@pytest.fixture
def log_output():
    """What the app's stdout handler writes, through its own filters and
    formatter: ``log_output()`` returns the text so far."""
    (handler,) = [h for h in logging.getLogger().handlers if h.name == "stdout"]
    buffer = io.StringIO()
    # Not setStream: it flushes the stream it replaces, which an earlier pytest
    # session in this process (mutmut's, tests/mutation) may have closed.
    previous, handler.stream = handler.stream, buffer
    yield buffer.getvalue
    handler.stream = previous


def log_failure_carrying(secret):
    """Log an error whose message, argument and traceback all hold ``secret``,
    as Django logs a request that failed."""
    try:
        raise RuntimeError(f"upstream said: Authorization: Bearer {secret}")
    except RuntimeError:
        logging.getLogger("django.request").exception(
            "Internal Server Error: %s", f"/chat?token={secret}"
        )


@pytest.mark.django_db(transaction=True)
def test_an_api_key_echoed_by_the_endpoint_is_redacted(client, fake_llm, log_output):
    response = client.post(
        "/chat",
        {"message": "[fake fault=echo_key] Hi"},
        content_type="application/json",
    )

    assert response.status_code == 500
    (line,) = [
        json.loads(line)
        for line in log_output().splitlines()
        if "LLM call failed" in line
    ]
    assert "Incorrect API key provided: [redacted]." in line["message"]
    assert API_KEY not in log_output()


@pytest.fixture(
    params=[
        "LLM_API_KEY",
        "SECRET_KEY",
        "CHAT_PROXY_SECRET",
        "database password",
        "superuser password",
        "access token",
    ]
)
def secret_setting(request, settings, monkeypatch):
    """Each secret the backend holds, set to SECRET."""
    if request.param == "database password":
        monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", SECRET)
    elif request.param == "superuser password":
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", SECRET)
    elif request.param == "access token":
        # As the admin's sign-in sets it from X-Chat-Access-Token.
        token = access_token.set(SECRET)
        request.addfinalizer(lambda: access_token.reset(token))
    else:
        setattr(settings, request.param, SECRET)


@pytest.mark.usefixtures("secret_setting")
def test_every_secret_is_redacted_from_message_and_traceback(log_output):
    log_failure_carrying(SECRET)

    (line,) = [json.loads(line) for line in log_output().splitlines()]
    assert line["message"] == "Internal Server Error: /chat?token=[redacted]"
    assert line["exc_info"].endswith(
        "RuntimeError: upstream said: Authorization: Bearer [redacted]"
    )
    assert SECRET not in log_output()


def test_openshift_access_tokens_are_redacted_wherever_they_come_from(log_output):
    token = "sha256~" + "Xy_9-" * 9

    log_failure_carrying(token)

    assert "sha256~[redacted]" not in log_output()
    assert "Bearer [redacted]" in log_output()
    assert token not in log_output() and "Xy_9-Xy_9" not in log_output()


@pytest.mark.django_db(transaction=True)
async def test_lines_name_the_signed_in_user_and_never_the_proxy_secret(
    fake_llm, log_output, settings
):
    from tests.backend.test_sign_in import SECRET, signed_in

    settings.CHAT_PROXY_SECRET = SECRET
    failing = {"message": "[fake fault=http_500] Hi"}

    await post(signed_in("alice"), failing)
    await post(signed_in("mallory", secret="forged"), failing)

    lines = [json.loads(line) for line in log_output().splitlines()]
    failures = [line["user"] for line in lines if "LLM call failed" in line["message"]]
    assert failures == ["alice", "-"]
    assert "mallory" not in log_output()
    assert SECRET not in log_output()


def test_a_secret_inside_another_is_redacted_whole(settings, log_output):
    """Longest first: redacting the inner secret first would leave the rest of
    the outer one in the line."""
    settings.LLM_API_KEY = "an-api-key-9931-that-holds-another"
    settings.CHAT_PROXY_SECRET = "key-9931"

    log_failure_carrying(settings.LLM_API_KEY)

    (line,) = [json.loads(line) for line in log_output().splitlines()]
    assert line["message"] == "Internal Server Error: /chat?token=[redacted]"
    assert "that-holds-another" not in log_output()


def log_the_stack():
    logging.getLogger("django.request").error("With the stack", stack_info=True)


def test_a_secret_in_the_stack_is_redacted(settings, log_output):
    # Any text of the stack can hold a secret: here a function's name.
    settings.CHAT_PROXY_SECRET = log_the_stack.__name__

    log_the_stack()

    (line,) = [json.loads(line) for line in log_output().splitlines()]
    assert ", in [redacted]\n" in line["stack_info"]
    assert "log_the_stack" not in log_output()


@pytest.mark.django_db(transaction=True)
async def test_lines_carry_the_request_id(async_client, fake_llm, log_output):
    await async_client.post(
        "/chat",
        json.dumps({"message": "[fake fault=http_500] Hi"}),
        "application/json",
        headers={"X-Request-ID": "req-4242"},
    )

    lines = [json.loads(line) for line in log_output().splitlines()]
    failures = [line for line in lines if "LLM call failed" in line["message"]]
    assert [line["request_id"] for line in failures] == ["req-4242"]
