"""`kartoteka demo`: fill an empty database with a believable small business — users in two
sales teams, companies, contacts and 18 months of their history — in English, Russian or
Polish. `make run` calls it with `--if-empty` on every start."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kartoteka.contacts.demo.generator import PACKS, make_plan
from kartoteka.contacts.demo.loader import DemoError, load

URL = "http://127.0.0.1:8000/"


def default_language() -> str:
    code = (settings.LANGUAGE_CODE or "en")[:2].lower()
    return code if code in PACKS else "en"


class Command(BaseCommand):
    help = (
        "Create demo data in an empty database: users (each one's password is its user name), "
        "companies, contacts and their timelines."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--language", choices=sorted(PACKS), help="default: the LANGUAGE_CODE setting"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any user exists"
        )
        parser.add_argument("--companies", type=int, default=300, help="default: 300")
        parser.add_argument("--contacts", type=int, default=600, help="default: 600")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data")

    def handle(self, *args, **options) -> None:
        if get_user_model().objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data skipped: the database already has users.")
                return
            raise CommandError(
                "The database already has users; demo data goes only into an empty one "
                "(point KARTOTEKA_DATA_DIR at a new folder and run migrate first)."
            )
        companies, contacts = options["companies"], options["contacts"]
        if companies < 0 or contacts < 0:
            raise CommandError("--companies and --contacts must not be negative.")
        language = options["language"] or default_language()
        started = time.monotonic()
        plan = make_plan(language, companies, contacts, seed=options["seed"])
        try:
            summary = load(plan)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started

        write = self.stdout.write
        write(
            f"Demo data ({language}) created in {elapsed:.1f} s: {len(summary.users)} users in "
            f"{summary.teams} teams, {summary.companies} companies, {summary.contacts} contacts, "
            f"{summary.entries} timeline entries."
        )
        write("Users (each one's password is its user name):")
        width = max(len(user.username) for user in summary.users)
        for user in summary.users:
            role = user.role.key if user.role_id else ""
            team = f", {user.team.name}" if user.team_id else ""
            write(f"  {user.username:<{width}}  {user.get_full_name()} ({role}{team})")
        write(self.style.SUCCESS(f"Open {URL} and log in as admin / admin."))
