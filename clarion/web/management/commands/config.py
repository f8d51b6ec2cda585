"""`python -m clarion config`: print every environment variable Clarion reads, with its default."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clarion import config


class Command(BaseCommand):
    help = "Print the environment variables Clarion reads, with their defaults and meaning (Markdown)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(config.describe())
