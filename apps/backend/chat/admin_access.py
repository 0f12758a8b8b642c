"""The admin behind the OpenShift sign-in (with CHAT_PROXY_SECRET set): a
user who passes the access check (chat/kube.py) is signed in to Django as a
staff superuser named after them; anyone else gets a 403 page saying why."""

import time

from asgiref.sync import sync_to_async

from django.conf import settings
from django.contrib.auth import alogin, alogout, get_user_model
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string

from chat import identity, kube
from chat.logging import access_token

CHECK = "chat_admin_check"
CHECK_SECONDS = 5 * 60
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def refused(request, user: str | None, problem: str = "") -> HttpResponseForbidden:
    page = render_to_string(
        "chat/admin_refused.html",
        {
            "user": user,
            "access": settings.CHAT_ADMIN_ACCESS,
            "namespace": settings.CHAT_ADMIN_NAMESPACE,
            "problem": problem,
            "sign_out_url": identity.SIGN_OUT_URL if user else None,
        },
    )
    return HttpResponseForbidden(page)


def staff_user(name: str):
    """The Django user of OpenShift user `name`, made staff and superuser;
    None when an admin has deactivated it."""
    user, created = get_user_model().objects.get_or_create(
        username=name, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif not user.is_active:
        return None
    elif not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


async def _allowed(request, name: str) -> kube.Decision:
    """The access check, from the session when made for this user and
    access in the last CHECK_SECONDS; a check that could not be made is not
    kept."""
    kept = await request.session.aget(CHECK)
    if (
        kept
        and kept["user"] == name
        and kept["access"] == settings.CHAT_ADMIN_ACCESS
        and time.time() - kept["at"] < CHECK_SECONDS
    ):
        return kube.Decision(kept["allowed"])
    decision = await kube.access_check(identity.access_token(request))
    if not decision.problem:
        await request.session.aset(
            CHECK,
            {
                "user": name,
                "access": settings.CHAT_ADMIN_ACCESS,
                "allowed": decision.allowed,
                "at": time.time(),
            },
        )
    return decision


async def admin_sign_in(request) -> HttpResponseForbidden | None:
    """Sign the proxy's user in to the admin, or the page that refuses them."""
    name = identity.proven_user(request)
    if name is None:
        return refused(
            request, None, "The admin is reached through the OpenShift sign-in only."
        )
    access_token.set(identity.access_token(request))
    current = await request.auser()
    if current.is_authenticated and current.get_username() != name:
        await alogout(request)
        current = await request.auser()
    decision = await _allowed(request, name)
    if not decision.allowed:
        return refused(request, name, decision.problem)
    if not current.is_authenticated:
        user = await sync_to_async(staff_user)(name)
        if user is None:
            return refused(request, name, "This user is deactivated in the admin.")
        # alogin keeps the session's data (the check) in a new session key.
        await alogin(request, user, backend=MODEL_BACKEND)
    return None
