import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import IntegrityError


class Command(BaseCommand):
    help = (
        "Create the superuser named by DJANGO_SUPERUSER_USERNAME with "
        "DJANGO_SUPERUSER_PASSWORD (and _EMAIL) if it does not exist. Safe to run "
        "on every rollout; does nothing when the variables are unset."
    )

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not username or not password:
            self.stdout.write("DJANGO_SUPERUSER_USERNAME/PASSWORD unset: skipped.")
            return
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        users = get_user_model()._default_manager
        if users.filter(username=username).exists():
            self.stdout.write(f"Superuser {username!r} exists: unchanged.")
            return
        try:
            users.create_superuser(username=username, email=email, password=password)
        except IntegrityError:
            # Another pod of the same rollout created it since the check.
            self.stdout.write(f"Superuser {username!r} exists: unchanged.")
            return
        self.stdout.write(f"Superuser {username!r} created.")
