"""Admins manage channels, their questions and the guidance pages in the Django admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from clarion.intake.models import Channel, Question
from tests.support.people import log_in, make_staff


@pytest.fixture
def admin_client(db):
    """An admin logged in through the staff login (the admin pages need both factors)."""
    admin, device, _recovery_code = make_staff("ada", "admin")
    client = Client()
    assert log_in(client, admin, device).status_code == 302
    return client


def test_admin_adds_a_channel_with_an_ordered_choice_question(admin_client, reviewer):
    data = {
        "name": "Fraud",
        "slug": "fraud",
        "description": "Money going where it should not.",
        "receivers": [reviewer.pk],
        "allow_files": "on",
        "max_files": 3,
        "max_file_bytes": 1000,
        "max_submission_bytes": 2000,
        "daily_byte_budget": 10_000_000,
        "is_open": "on",
        "position": 1,
        "acknowledge_within_days": 7,
        "feedback_within_months": 3,
        "retain_closed_days": 90,
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-0-position": 0,
        "questions-0-kind": "single_choice",
        "questions-0-label": "How much?",
        "questions-0-required": "on",
        "questions-0-choices": "Under 1,000\nMore",
    }

    response = admin_client.post("/staff/admin/intake/channel/add/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(slug="fraud")
    assert list(channel.receivers.all()) == [reviewer]
    assert channel.questions.get().choice_list == ["Under 1,000", "More"]


def test_choice_question_without_options_is_explained(channel):
    question = Question(channel=channel, kind=Question.Kind.SINGLE_CHOICE, label="Which?", choices="Only one")

    with pytest.raises(ValidationError, match="at least two options, one per line"):
        question.full_clean()


def test_admin_pages_for_channels_and_guidance_render(admin_client, channel):
    for url in [
        "/staff/admin/intake/channel/",
        f"/staff/admin/intake/channel/{channel.pk}/change/",
        "/staff/admin/intake/guidancepage/add/",
    ]:
        assert admin_client.get(url).status_code == 200


def test_new_channels_get_the_configured_daily_byte_budget_and_the_admin_shows_it(admin_client, settings):
    channel = Channel.objects.create(name="Fraud", slug="fraud", description="Money.")

    assert channel.daily_byte_budget == settings.CLARION_CHANNEL_DAILY_BYTES
    page = admin_client.get(f"/staff/admin/intake/channel/{channel.pk}/change/")
    assert 'name="daily_byte_budget"' in page.content.decode()
