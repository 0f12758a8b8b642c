import uuid

from django.db import models

# Defined apart, registered with the app here.
from chat.window_counters import WindowCounter  # noqa: F401


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Who may see it (chat/owners.py). Conversations stored before owners
    # existed keep "" and belong to nobody.
    owner = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        # An owner's list, newest activity first.
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self):
        return self.title or str(self.id)


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    class Status(models.TextChoices):
        COMPLETE = "complete"
        PARTIAL = "partial", "Partial (cut off)"
        FAILED = "failed"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=16, choices=Role)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.COMPLETE)
    error = models.TextField(blank=True)
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self):
        return f"{self.role}: {self.content[:60]}"


class Usage(models.Model):
    """What an owner used on a day (UTC): answers and tokens. Added to by
    one upsert (chat/counters.py), so that concurrent answers on any replica
    add up."""

    owner = models.CharField(max_length=200)
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "day"], name="usage_owner_day")
        ]
        verbose_name_plural = "usage"

    def __str__(self):
        return f"{self.owner} on {self.day}"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
