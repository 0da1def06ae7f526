"""`kartoteka start`: the web server and the Huey worker together, for one machine.

Production set-ups run `gunicorn kartoteka.config.wsgi` and `kartoteka run_huey` as separate
services instead (docs/deploy.md)."""

import signal
import subprocess
import sys

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and the background worker until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        worker = subprocess.Popen(
            [sys.executable, "-m", "kartoteka.cli", "run_huey", "--workers", "2", "--quiet"]
        )
        users = get_user_model().objects.filter(is_active=True).count()
        demo = get_user_model().objects.filter(username="admin", is_active=True).first()
        hint = ""
        if demo is not None and demo.check_password("admin"):
            hint = "Demo log-in: admin / admin (change that password before real use)\n"
        elif users == 0:
            hint = "No users yet: create one with `kartoteka createsuperuser`.\n"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nKartoteka is running on http://{host}:{port}/ ({users} users)\n"
                f"{hint}Press Ctrl+C to stop.\n"
            )
        )
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
