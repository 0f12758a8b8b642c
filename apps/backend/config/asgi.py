"""ASGI entry point: APP_MODULE=config.asgi:application."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()

# Refuse to serve without a secret key. Settings allow an empty one so that
# `collectstatic` can run during the S2I build; Django raises on first access.
settings.SECRET_KEY  # noqa: B018
