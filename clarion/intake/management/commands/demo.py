"""Load demo content once: an organisation, three channels with questions, one reviewer."""

from __future__ import annotations

import base64
import io
import secrets
from typing import Any

import segno
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion.accounts.keys import enrol_key_custody
from clarion.accounts.models import Organisation
from clarion.accounts.roles import ADMIN, REVIEWER, grant_role
from clarion.intake.models import Channel, GuidancePage, Question
from clarion.vault import WORDLIST

K = Question.Kind

CHANNELS: list[dict[str, Any]] = [
    {
        "name": "Misconduct by managers",
        "slug": "misconduct",
        "description": "Bullying, harassment, discrimination, retaliation or abuse of authority by someone who manages staff.",
        "questions": [
            (
                K.SINGLE_CHOICE,
                "What kind of misconduct?",
                "",
                True,
                "Bullying or harassment\nDiscrimination\nRetaliation against someone who spoke up\nAbuse of authority\nSomething else",
            ),
            (K.SHORT_TEXT, "Which department or site?", "As precisely as you are comfortable with.", False, ""),
            (K.DATE, "When did it last happen?", "An approximate date is fine.", False, ""),
            (K.YES_NO, "Is it still going on?", "", True, ""),
            (
                K.MULTIPLE_CHOICE,
                "Who else knows?",
                "Tick all that apply.",
                False,
                "Colleagues\nHuman resources\nSenior management\nNobody else",
            ),
            (K.LONG_TEXT, "What happened?", "Describe what you saw or experienced.", True, ""),
        ],
    },
    {
        "name": "Safety and equipment",
        "slug": "safety",
        "description": "Unsafe equipment, ignored safety rules, hidden accidents or near misses, pressure to skip checks.",
        "questions": [
            (
                K.SINGLE_CHOICE,
                "How urgent is the danger?",
                "If someone is in immediate danger, call emergency services first.",
                True,
                "Someone could be hurt now\nWithin weeks\nLonger term",
            ),
            (K.SHORT_TEXT, "Which equipment, site or process?", "", True, ""),
            (K.YES_NO, "Was it reported internally?", "", False, ""),
            (
                K.FILE,
                "A photo or document that shows the problem",
                "Optional. Photos can reveal where and when they were taken.",
                False,
                "",
            ),
            (K.LONG_TEXT, "What is unsafe?", "", True, ""),
        ],
    },
    {
        "name": "Misuse of public resources",
        "slug": "public-resources",
        "description": "Fraud, waste, kickbacks, contracts steered to friends, public money or property used for private ends.",
        "questions": [
            (
                K.MULTIPLE_CHOICE,
                "What is being misused?",
                "",
                True,
                "Public money\nContracts or tenders\nVehicles or equipment\nStaff time\nSomething else",
            ),
            (K.SHORT_TEXT, "Roughly how much money is involved?", "A guess is fine.", False, ""),
            (K.DATE, "Since when?", "", False, ""),
            (K.LONG_TEXT, "What is happening, and who benefits?", "", True, ""),
        ],
    },
]

AUTHORITIES = """As Article 9(1)(g) of EU Directive 2019/1937 asks of every internal reporting channel, here is how to report outside it. You do not have to report to us first. Under EU Directive 2019/1937 on the protection of persons who report breaches of Union law (Article 10), you may report directly to a competent authority, and you are protected from retaliation when you do.

Depending on the subject, competent authorities include the labour inspectorate (safety at work), the data protection authority (misuse of personal data), the national audit office or anti-fraud office (misuse of public money), and the European Anti-Fraud Office OLAF for EU funds: https://anti-fraud.ec.europa.eu

Ask the authority how it protects the identity of people who report, and keep a private record of what you sent and when. Do not use a work device or work network to contact them either."""


def _passphrase(words: int = 6) -> str:
    return "-".join(secrets.choice(WORDLIST) for _ in range(words))


class Command(BaseCommand):
    help = "Load demo content once (organisation, channels, a reviewer) and print the reviewer's credentials."

    def handle(self, *args: object, **options: object) -> None:
        if Organisation.objects.exists():
            self.stdout.write(
                "Demo content is already loaded. The reviewer's password, authenticator secret and recovery "
                "code were printed the first time; with the recovery code, /staff/recover/ sets a new password."
            )
            return
        password = _passphrase()
        with transaction.atomic():
            Organisation.objects.create(
                name="Riverside Workers' Council", mission="Staff of Riverside City, speaking up safely."
            )
            reviewer = get_user_model().objects.create_user("reviewer", email="reviewer@example.org", password=password)
            grant_role(reviewer, ADMIN)
            grant_role(reviewer, REVIEWER)
            device = TOTPDevice.objects.create(user=reviewer, name="demo authenticator", confirmed=True)
            _custody, recovery_code = enrol_key_custody(reviewer, password)
            for position, spec in enumerate(CHANNELS):
                channel = Channel.objects.create(
                    name=spec["name"], slug=spec["slug"], description=spec["description"], position=position
                )
                channel.receivers.add(reviewer)
                for order, (kind, label, help_text, required, choices) in enumerate(spec["questions"]):
                    Question.objects.create(
                        channel=channel,
                        position=order,
                        kind=kind,
                        label=label,
                        help_text=help_text,
                        required=required,
                        choices=choices,
                    )
            GuidancePage.objects.create(
                slug="authorities", title="Reporting to the competent authorities instead", body=AUTHORITIES
            )
        # The public site's demo posts, by command name: intake does not import publishing.
        call_command("demo_posts", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))
        secret = base64.b32encode(device.bin_key).decode()
        self.stdout.write(f"  Reviewer account: reviewer / {password}")
        self.stdout.write(f"  Authenticator secret (TOTP, 6 digits, 30 s): {secret}")
        self.stdout.write(f"  Recovery code: {recovery_code}")
        self.stdout.write("  (shown once: the password and the recovery code each unlock the reviewer's key)")
        self.stdout.write("  Add the secret to an authenticator app, or scan this code:")
        qr = io.StringIO()
        segno.make(device.config_url, error="m").terminal(out=qr, compact=True)
        self.stdout.write(qr.getvalue())
        self.stdout.write("  Source pages: /tip/   Staff login: /staff/login/   Admin pages: /staff/admin/")
