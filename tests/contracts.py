"""What clients are promised, written once for every suite that checks it
(tests/backend in process, tests/reliability against the served backend).

The strings are copied from the promise, not imported from the app: a test
that read them from chat/ could not fail when the app's words changed.
"""

NOT_SET_UP = (
    "The chat cannot reach its model because of a setup problem. Trying again "
    "will not help: tell the people who run this service."
)
UNAVAILABLE = "The model is unavailable right now. Try again in a moment."
TIMED_OUT = "The model did not answer in time. Try again, or ask a shorter question."
BROKE_OFF = "The connection to the model broke off. Try again."
UNREACHABLE = (
    "The model cannot be reached right now. Try again in a few minutes; if it "
    "keeps happening, tell the people who run this service."
)
DATABASE_DOWN = "The chat cannot reach its database right now. Try again in a minute."

# Each fault of tests/fake_openai.py: what the user reads.
FAILURES = {
    "http_500": UNAVAILABLE,
    "http_503": UNAVAILABLE,
    "http_401": NOT_SET_UP,
    "http_403": NOT_SET_UP,
    "http_429": (
        "The model is busy with too many requests. Wait a minute and try again."
    ),
    "context_too_long": (
        "This conversation is too long for the model. Start a new chat, or edit "
        "an earlier message to make it shorter."
    ),
    "non_json": "The model sent an answer that could not be read. Try again.",
    "error_body_200": (
        "The model could not handle this request. Try again, or rephrase your "
        "message or start a new chat."
    ),
    "hang": TIMED_OUT,
}
# LiteLLM reads an error object inside a stream as a server error.
STREAM_FAILURES = {**FAILURES, "error_body_200": UNAVAILABLE}

# On every response, Django's own answers (static files, a bad Host) included.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
