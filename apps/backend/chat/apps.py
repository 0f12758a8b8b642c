from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        from chat import llm
        from chat.budgets import user_rate
        from chat.kube import attributes

        # A mistyped setting stops the start, not each request.
        user_rate()
        attributes(settings.CHAT_ADMIN_ACCESS, namespace="")
        llm.model_register()
        if settings.DATABASE_THREADS < 1:
            raise ImproperlyConfigured("DATABASE_THREADS must be 1 or more.")
