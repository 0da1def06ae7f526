"""`kartoteka token USERNAME [--name NAME]`: issue a personal API token for a user and print
only the raw token on one line, so scripts can capture it (`TOKEN=$(kartoteka token ann)`)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kartoteka.accounts import services
from kartoteka.accounts.models import ApiToken

NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


class Command(BaseCommand):
    help = "Issue a personal API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument(
            "--name", default="Command line", help="What the token is for (default: %(default)s)."
        )

    def handle(self, *args, username: str, name: str, **options):
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX_LENGTH:
            raise CommandError(
                _("The token name must be 1 to %(max)d characters long.") % {"max": NAME_MAX_LENGTH}
            )
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user named “%(username)s”.") % {"username": username})
        try:
            _token, raw = services.issue_token(user, name)
        except services.Refused as refused:
            raise CommandError(refused.message)
        self.stdout.write(raw)
