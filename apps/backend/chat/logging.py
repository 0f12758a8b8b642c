"""Logging filters: the request id on every line, and secrets never written."""

import logging
from contextvars import ContextVar

from django.conf import settings

request_id = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        return True


class RedactSecretsFilter(logging.Filter):
    """Replace the API key and the secret key wherever they would be written."""

    def filter(self, record):
        secrets = [s for s in (settings.LLM_API_KEY, settings.SECRET_KEY) if s]
        if not secrets:
            return True
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in secrets:
            text = text.replace(secret, "[redacted]")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "[redacted]")
        record.msg, record.args = text, None
        return True
