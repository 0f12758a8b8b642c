"""Logging filters: the request id and the signed-in user on every line, and
secrets never written."""

import logging
import os
import re
from contextvars import ContextVar

from django.conf import settings

request_id = ContextVar("request_id", default="-")
# The user signed in through the proxy ("-" for none): never a browser owner,
# whose id is as good as its cookie.
user = ContextVar("user", default="-")
# The OpenShift access token of the request being served (admin paths).
access_token = ContextVar("access_token", default="")
# OpenShift's OAuth access tokens, wherever they come from.
OPENSHIFT_TOKEN = re.compile(r"sha256~[A-Za-z0-9_-]+")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        record.user = user.get()
        return True


def secret_values() -> list[str]:
    """Every secret the process holds, longest first, so that a secret that
    contains another is redacted whole."""
    values = [
        settings.SECRET_KEY,
        *settings.SECRET_KEY_FALLBACKS,
        settings.LLM_API_KEY,
        settings.CHAT_PROXY_SECRET,
        access_token.get(),
    ]
    values += [database.get("PASSWORD", "") for database in settings.DATABASES.values()]
    # Read from the environment by `manage.py ensure_superuser`, as Django's own
    # createsuperuser does.
    values.append(os.environ.get("DJANGO_SUPERUSER_PASSWORD", ""))
    return sorted({value for value in values if value}, key=len, reverse=True)


class RedactSecretsFilter(logging.Filter):
    """Replace every secret wherever it would be written: the message, the
    traceback and the stack."""

    def filter(self, record):
        found = secret_values()

        def redact(text):
            for secret in found:
                text = text.replace(secret, "[redacted]")
            return OPENSHIFT_TOKEN.sub("[redacted]", text)

        if record.exc_info:
            # Formatters format exc_info anew (python-json-logger does, ignoring
            # exc_text): leave them the redacted text only.
            record.exc_text = record.exc_text or logging.Formatter().formatException(
                record.exc_info
            )
            record.exc_info = None
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
