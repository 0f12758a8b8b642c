from django.urls import path

from chat import health, views

urlpatterns = [
    path("chat", views.chat, name="chat"),
    path("chat/stream", views.chat_stream, name="chat-stream"),
    path("chat/conversations", views.conversation_list, name="conversation-list"),
    path(
        "chat/conversations/<str:conversation_id>",
        views.conversation_detail,
        name="conversation-detail",
    ),
    path("chat/session", views.session, name="session"),
    path("health", health.health, name="health"),
    path("health/ready", health.ready, name="health-ready"),
]
