import zlib

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

# One number for every pod of every rollout: pg_advisory_lock takes a bigint.
LOCK_ID = zlib.crc32(b"chat migrate_locked")


class Command(BaseCommand):
    help = (
        "Run `migrate` while holding a PostgreSQL advisory lock, so that pods "
        "starting at once migrate one after the other: the first applies the "
        "migrations, the rest wait for it and find nothing to do. On SQLite, "
        "which has one writer anyway, a plain `migrate`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Passed on to migrate.",
        )

    def handle(self, *args, **options):
        migrate_options = {
            "interactive": options["interactive"],
            "verbosity": options["verbosity"],
        }
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            call_command("migrate", **migrate_options)
            return
        # A session lock: held on this connection, which migrate uses too,
        # across its transactions, until unlocked or the process ends.
        with connection.cursor() as cursor:
            self.stdout.write(f"Waiting for the migration lock {LOCK_ID}...")
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
            try:
                call_command("migrate", **migrate_options)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
