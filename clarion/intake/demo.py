"""Demo content of intake: three channels with questions (received by the demo reviewer) and a guidance page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from clarion.accounts.demo import REVIEWER_USERNAME
from clarion.intake.models import Channel, GuidancePage, Question
from clarion.web.demos import Demo

Kind = Question.Kind

CHANNELS: list[dict[str, Any]] = [
    {
        "name": "Misconduct by managers",
        "slug": "misconduct",
        "description": "Bullying, harassment, discrimination, retaliation or abuse of authority by someone who manages staff.",
        "questions": [
            (
                Kind.SINGLE_CHOICE,
                "What kind of misconduct?",
                "",
                True,
                "Bullying or harassment\nDiscrimination\nRetaliation against someone who spoke up\nAbuse of authority\nSomething else",
            ),
            (Kind.SHORT_TEXT, "Which department or site?", "As precisely as you are comfortable with.", False, ""),
            (Kind.DATE, "When did it last happen?", "An approximate date is fine.", False, ""),
            (Kind.YES_NO, "Is it still going on?", "", True, ""),
            (
                Kind.MULTIPLE_CHOICE,
                "Who else knows?",
                "Tick all that apply.",
                False,
                "Colleagues\nHuman resources\nSenior management\nNobody else",
            ),
            (Kind.LONG_TEXT, "What happened?", "Describe what you saw or experienced.", True, ""),
        ],
    },
    {
        "name": "Safety and equipment",
        "slug": "safety",
        "description": "Unsafe equipment, ignored safety rules, hidden accidents or near misses, pressure to skip checks.",
        "questions": [
            (
                Kind.SINGLE_CHOICE,
                "How urgent is the danger?",
                "If someone is in immediate danger, call emergency services first.",
                True,
                "Someone could be hurt now\nWithin weeks\nLonger term",
            ),
            (Kind.SHORT_TEXT, "Which equipment, site or process?", "", True, ""),
            (Kind.YES_NO, "Was it reported internally?", "", False, ""),
            (
                Kind.FILE,
                "A photo or document that shows the problem",
                "Optional. Photos can reveal where and when they were taken.",
                False,
                "",
            ),
            (Kind.LONG_TEXT, "What is unsafe?", "", True, ""),
        ],
    },
    {
        "name": "Misuse of public resources",
        "slug": "public-resources",
        "description": "Fraud, waste, kickbacks, contracts steered to friends, public money or property used for private ends.",
        "questions": [
            (
                Kind.MULTIPLE_CHOICE,
                "What is being misused?",
                "",
                True,
                "Public money\nContracts or tenders\nVehicles or equipment\nStaff time\nSomething else",
            ),
            (Kind.SHORT_TEXT, "Roughly how much money is involved?", "A guess is fine.", False, ""),
            (Kind.DATE, "Since when?", "", False, ""),
            (Kind.LONG_TEXT, "What is happening, and who benefits?", "", True, ""),
        ],
    },
]

AUTHORITIES = """As Article 9(1)(g) of EU Directive 2019/1937 asks of every internal reporting channel, here is how to report outside it. You do not have to report to us first. Under EU Directive 2019/1937 on the protection of persons who report breaches of Union law (Article 10), you may report directly to a competent authority, and you are protected from retaliation when you do.

Depending on the subject, competent authorities include the labour inspectorate (safety at work), the data protection authority (misuse of personal data), the national audit office or anti-fraud office (misuse of public money), and the European Anti-Fraud Office OLAF for EU funds: https://anti-fraud.ec.europa.eu

Ask the authority how it protects the identity of people who report, and keep a private record of what you sent and when. Do not use a work device or work network to contact them either."""


def load(demo: Demo) -> None:
    reviewer = get_user_model().objects.get(username=REVIEWER_USERNAME)
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
    demo.notes.append("  Source pages: /tip/   Staff login: /staff/login/   Admin pages: /staff/admin/")
