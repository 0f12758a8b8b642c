"""The admin site, with a read-only "LLM settings" page and a connection test."""

from asgiref.sync import async_to_sync

from django.conf import settings
from django.contrib import admin, messages
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from chat import llm, throttle


def mask(secret: str) -> str:
    """Show at most the last 4 characters, and none of a short secret."""
    if not secret:
        return "(not set)"
    return "••••••••" + (secret[-4:] if len(secret) >= 16 else "")


def effective_settings() -> list[tuple[str, object]]:
    return [
        ("LLM API base", settings.LLM_API_BASE or "(not set)"),
        ("LLM API key", mask(settings.LLM_API_KEY)),
        ("LLM model (as sent to LiteLLM)", llm.model_name()),
        ("LiteLLM provider", llm.model_name().split("/", 1)[0]),
        ("Demo mode (LLM_DEMO, while no API base is set)", llm.is_demo()),
        ("LLM timeout (seconds)", settings.LLM_TIMEOUT),
        ("LLM max tokens", settings.LLM_MAX_TOKENS),
        ("Max message length (characters)", settings.LLM_MAX_MESSAGE_CHARS),
        ("History budget (characters)", settings.LLM_HISTORY_CHARS),
        ("Proxy sign-in", bool(settings.CHAT_PROXY_SECRET)),
        ("Sign-in required to chat", settings.CHAT_REQUIRE_USER),
        ("Admin access check", settings.CHAT_ADMIN_ACCESS),
        ("Admin namespace", settings.CHAT_ADMIN_NAMESPACE or "(not set)"),
        ("Daily tokens per user", settings.CHAT_USER_DAILY_TOKENS or "(no budget)"),
        ("Rate per user", settings.CHAT_USER_RATE_LIMIT or "(no limit)"),
        ("CORS allowed origins", ", ".join(settings.CORS_ALLOWED_ORIGINS) or "(none)"),
        ("Allowed hosts", ", ".join(settings.ALLOWED_HOSTS)),
        ("DEBUG", settings.DEBUG),
        ("Database engine", connection.vendor),
        (
            "Build",
            ", ".join(f"{k}: {v}" for k, v in settings.BUILD_INFO.items()) or "(none)",
        ),
    ]


class ChatAdminSite(admin.AdminSite):
    site_header = "LLM chat administration"
    site_title = "LLM chat admin"

    def get_urls(self):
        return [
            path(
                "llm-settings/", self.admin_view(self.llm_settings), name="llm-settings"
            ),
            path(
                "llm-settings/test/",
                self.admin_view(require_POST(self.llm_test)),
                name="llm-settings-test",
            ),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        if settings.CHAT_PROXY_SECRET:
            # Signed in by the OpenShift sign-in (chat/admin_access.py).
            if request.method == "GET" and self.has_permission(request):
                return redirect("admin:index")
            return HttpResponse(
                "Password sign-in is off: the admin uses the OpenShift sign-in.",
                status=403,
                content_type="text/plain",
            )
        if request.method == "POST" and throttle.admin_login_limited(request):
            return HttpResponse(
                "Too many login attempts: wait a minute and try again.",
                status=429,
                content_type="text/plain",
            )
        return super().login(request, extra_context)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is None and request.user.is_superuser:
            url = reverse("admin:llm-settings", current_app=self.name)
            app_list.append(
                {
                    "name": "LLM",
                    "app_label": "llm",
                    "app_url": url,
                    "has_module_perms": True,
                    "models": [
                        {
                            "name": "Settings",
                            "object_name": "LLMSettings",
                            "admin_url": url,
                            "view_only": True,
                        }
                    ],
                }
            )
        return app_list

    def llm_settings(self, request):
        if not request.user.is_superuser:
            return redirect("admin:index")
        context = {
            **self.each_context(request),
            "title": "LLM settings",
            "settings_rows": effective_settings(),
        }
        return TemplateResponse(request, "admin/llm_settings.html", context)

    def llm_test(self, request):
        if not request.user.is_superuser:
            return redirect("admin:index")
        try:
            models = async_to_sync(llm.models_list)()
        except llm.LLMError as exc:
            messages.error(request, f"Connection test failed: {exc.detail}")
        else:
            messages.success(
                request,
                f"Connected. The endpoint offers: {', '.join(models) or 'no models'}.",
            )
        return redirect("admin:llm-settings")
