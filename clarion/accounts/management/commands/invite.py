"""`python -m clarion invite --role admin --role reviewer --email x@example.org`: print a one-time code."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from clarion.accounts.actions import do_create_invitation
from clarion.accounts.roles import Role


class Command(BaseCommand):
    help = "Create an invitation for a new staff member and print its code (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role", dest="roles", action="append", required=True, choices=Role.values, help="Repeat for several."
        )
        parser.add_argument("--email", default="", help="Whom it is for (a note for admins; nothing is sent).")
        parser.add_argument("--days", type=int, default=settings.STAFF_INVITATION_DAYS, help="Days until it expires.")

    def handle(self, *args: object, roles: list[str], email: str, days: int, **options: object) -> None:
        # The operator at the console acts as the first admin: there is no actor to check.
        invitation, code = do_create_invitation(actor=None, roles=roles, email=email, days=days)
        self.stdout.write(
            f"Invitation for: {', '.join(roles)}; valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        )
        self.stdout.write("Give this code to the person; they enter it at /staff/enrol/ (it is shown only now):")
        self.stdout.write(code)
