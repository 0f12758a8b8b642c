from django.apps import AppConfig
from django.conf import settings


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        from chat.budgets import rate_parse

        # A mistyped limit stops the start, not each chat request.
        rate_parse(settings.CHAT_USER_RATE_LIMIT)
