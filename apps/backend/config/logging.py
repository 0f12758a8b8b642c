"""The one logging configuration: JSON lines on stdout, each with the request
id and the signed-in user, and no secret written (chat/logging.py).

Django applies it as settings.LOGGING, in the worker; gunicorn applies it in
its master (gunicorn.conf.py), so that every line of the pod's log has one
shape.
"""

from pythonjsonlogger.core import RESERVED_ATTRS

# LiteLLM stamps each record its redaction filter has seen (it adds the filter
# to uvicorn's, httpx's and asyncio's loggers) with a marker object, which is
# no field of ours.
NOT_FIELDS = [*RESERVED_ATTRS, "litellm_redacted"]


def logging_config(*, level: str, redact_secrets: bool = True) -> dict:
    """The configuration for `logging.config.dictConfig`. Redacting secrets
    reads Django's settings: a process that has none leaves it out."""
    filters = ["request_id", "redact_secrets"] if redact_secrets else ["request_id"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "chat.logging.RequestIdFilter"},
            "redact_secrets": {"()": "chat.logging.RedactSecretsFilter"},
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "format": (
                    "%(asctime)s %(levelname)s %(name)s %(message)s "
                    "%(request_id)s %(user)s"
                ),
                "rename_fields": {"asctime": "time", "levelname": "level"},
                "reserved_attrs": NOT_FIELDS,
            },
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": filters,
            },
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # LiteLLM logs whole requests at DEBUG; keep its own chatter out.
            "LiteLLM": {"level": "WARNING"},
            "LiteLLM Router": {"level": "WARNING"},
            "LiteLLM Proxy": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
            # uvicorn's gunicorn worker gives its server's logger gunicorn's
            # handlers, none here, and stops it propagating: its warnings
            # (an invalid HTTP request) would reach stderr as plain text,
            # unredacted. Its access log stays off, as gunicorn's is.
            "uvicorn.error": {"propagate": True},
        },
    }
