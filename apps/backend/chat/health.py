"""Liveness and readiness, for the kubelet's probes."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse

from chat import database, llm, shutdown
from chat.api import api


@api("GET")
async def health(request):
    """Liveness: the process answers. Never calls the LLM."""
    return JsonResponse(
        {
            "status": "ok",
            "model": llm.model_name(),
            "llm_configured": llm.is_configured(),
            "demo": llm.is_demo(),
            "build": settings.BUILD_INFO or None,
        }
    )


def _database_check():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@api("GET")
async def ready(request):
    """Readiness: the database answers too, and the process is not stopping."""
    if shutdown.begun():
        return JsonResponse({"status": "shutting down"}, status=503)
    try:
        await database.run(_database_check)
    except DatabaseError:
        return JsonResponse(
            {"status": "unavailable", "database": "unavailable"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})
