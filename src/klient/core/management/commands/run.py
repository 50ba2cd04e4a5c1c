"""`klient run [--host H] [--port P] [--no-demo]`: migrate, load demo data, serve, run scheduled jobs.

Without KLIENT_BROKER_URL the job runner uses kombu's database transport on a SQLite file under the
data dir, so nothing but this one command is needed.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from klient.core.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Serve Klient (web and scheduled jobs) on one machine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes.")
        parser.add_argument(
            "--no-jobs", action="store_true", help="Do not start the job worker and scheduler."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        call_command("compiletranslations", verbosity=0)
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("demo", stdout=io.StringIO())
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(f"Klient is serving {url}  (data: {settings.DATA_DIR})")
        if not options["no_demo"]:
            self.stdout.write(
                f"Demo logins, password “{DEMO_PASSWORD}”: " + ", ".join(u.username for u in DEMO_USERS)
            )
        self.stdout.flush()
        processes = [self._web(options)]
        if not options["no_jobs"]:
            processes.append(self._jobs())
        self._supervise(processes)

    def _web(self, options: dict[str, Any]) -> subprocess.Popen[bytes]:
        command = [
            sys.executable, "-m", "gunicorn", "klient.wsgi",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "5",
        ]  # fmt: skip
        return subprocess.Popen(command, env=os.environ.copy())

    def _jobs(self) -> subprocess.Popen[bytes]:
        # One worker with the embedded beat scheduler: enough on one machine.
        command = [
            sys.executable, "-m", "celery", "-A", "klient", "--quiet", "worker", "--beat",
            "--pool", "solo", "--loglevel", "WARNING",
            "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ]  # fmt: skip
        return subprocess.Popen(command, env=os.environ.copy())

    def _supervise(self, processes: list[subprocess.Popen[bytes]]) -> None:
        def stop(*_args: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
