from django.contrib.admin.apps import AdminConfig


class ChatAdminConfig(AdminConfig):
    """The Django admin, with the read-only "LLM settings" page added."""

    default_site = "chat.admin_site.ChatAdminSite"
