from django.contrib import admin

from chat.models import Conversation, Message


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stored chats are records: they can be read and deleted, not edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["created_at", "role", "status", "content", "error", "total_tokens"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "updated_at"]
    date_hierarchy = "updated_at"
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "conversation",
        "role",
        "status",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
    ]
    list_filter = ["role", "status", "model"]
    search_fields = ["conversation__id"]
    list_select_related = ["conversation"]
