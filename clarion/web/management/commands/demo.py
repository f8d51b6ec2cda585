"""Load demo content once, from every app that offers some, and print what to log in with."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from clarion.web.demos import AlreadyLoaded, Demo, hooks


class Command(BaseCommand):
    help = "Load demo content once (organisation, channels, a reviewer, posts) and print the reviewer's credentials."

    def handle(self, *args: object, **options: object) -> None:
        demo = Demo(stdout=self.stdout, stderr=self.stderr, style=self.style)
        try:
            with transaction.atomic():
                for load in hooks():
                    load(demo)
        except AlreadyLoaded as loaded:
            self.stdout.write(str(loaded))
            return
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))
        for note in demo.notes:
            self.stdout.write(note)
