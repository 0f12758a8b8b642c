from django.apps import AppConfig
from django.conf import settings


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        from chat.budgets import rate_parse
        from chat.kube import attributes

        # A mistyped setting stops the start, not each request.
        rate_parse(settings.CHAT_USER_RATE_LIMIT)
        attributes(settings.CHAT_ADMIN_ACCESS, namespace="")
