from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q, Sum

from chat.models import Conversation, Message, Usage


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
    list_display = [
        "__str__",
        "owner",
        "message_count",
        "has_failed",
        "has_partial",
        "tokens",
        "updated_at",
    ]
    date_hierarchy = "updated_at"
    search_fields = ["title", "messages__content"]
    search_help_text = "Search titles and message text."
    inlines = [MessageInline]

    def get_queryset(self, request):
        # One query for the page: the figures of each row are aggregated.
        return (
            super()
            .get_queryset(request)
            .annotate(
                message_count=Count("messages"),
                failed_count=Count("messages", filter=Q(messages__status="failed")),
                partial_count=Count("messages", filter=Q(messages__status="partial")),
                tokens=Sum("messages__total_tokens"),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        """Titles and message text, matched in a subquery: a join on the
        messages would multiply the counts above."""
        if not search_term:
            return queryset, False
        matching = Message.objects.filter(
            conversation=OuterRef("pk"), content__icontains=search_term
        )
        return (
            queryset.filter(Q(title__icontains=search_term) | Exists(matching)),
            False,
        )

    @admin.display(description="Messages", ordering="message_count")
    def message_count(self, obj):
        return obj.message_count

    @admin.display(description="Failed", boolean=True, ordering="failed_count")
    def has_failed(self, obj):
        return obj.failed_count > 0

    @admin.display(description="Partial", boolean=True, ordering="partial_count")
    def has_partial(self, obj):
        return obj.partial_count > 0

    @admin.display(description="Tokens", ordering="tokens")
    def tokens(self, obj):
        return obj.tokens


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


@admin.register(Usage)
class UsageAdmin(ReadOnlyAdmin):
    """What each owner used per day (UTC)."""

    list_display = [
        "day",
        "owner",
        "messages",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
    ]
    list_filter = ["day"]
    date_hierarchy = "day"
    search_fields = ["owner"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Total tokens")
    def total_tokens(self, obj):
        return obj.total_tokens
