"""gunicorn settings, used as-is by the S2I image (APP_CONFIG) and by `tox -e dev`.

One ASGI worker serves many concurrent chats: each chat waits on the network,
not the CPU, and one more worker costs another copy of LiteLLM's ~200 MiB.
"""

import os

from config.logging import logging_config

# With APP_CONFIG set, the S2I run script passes no --bind, so this line decides
# the address: all interfaces, for the Service and the kubelet's probes.
bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
# Not WEB_CONCURRENCY: the S2I run script sets that from the memory limit
# (one worker per 40 MiB), which would start several copies of LiteLLM.
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
# Uvicorn's worker, ending the streams still open when graceful_timeout is
# about to run out so that their partial replies are stored, and freezing the
# loaded app out of the garbage collector (config/workers.py).
worker_class = "config.workers.GracefulUvicornWorker"
# The ASGI worker answers gunicorn's heartbeat from its event loop, so this
# only catches a blocked loop; it never cuts a long stream.
timeout = 30
# Let in-flight streams finish inside the pod's termination grace period.
# SHUTDOWN_DELAY (config/workers.py), the time to leave the Service with
# readiness false while still serving, is part of it.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "25"))
keepalive = 5
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The app's logging configuration (config/logging.py), less the redaction of
# secrets, which reads Django's settings: the master loads none. The worker
# applies the whole configuration, settings.LOGGING, when Django starts.
logconfig_dict = logging_config(level="INFO", redact_secrets=False)
# Named so that dictConfig drops the plain-text handlers gunicorn gave them.
logconfig_dict["loggers"] |= {
    "gunicorn.error": {"level": loglevel.upper(), "propagate": True},
    "gunicorn.access": {"level": "INFO", "propagate": True},
}
