"""The tip gatekeepers check every condition themselves, the reviewer role included."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group
from django.http import Http404

from clarion.accounts.roles import EDITOR, REVIEWER, grant_role
from clarion.casework.access import (
    access_tip_file_for_reviewer,
    access_tip_for_reviewer,
    case_references_for_reviewer,
    may_read_tip,
)
from clarion.intake.models import TipFile


def demote_to_editor(user) -> None:  # noqa: ANN001 - a User
    """Take the reviewer role away and make them an editor: their key wraps stay."""
    user.groups.remove(Group.objects.get(name=REVIEWER))
    grant_role(user, EDITOR)


def test_an_editor_without_the_reviewer_role_gets_the_404_of_a_missing_tip_from_the_gatekeeper(reviewer, sent):
    # Given the reviewer reads the tip (the control: same person, same wrap)
    assert access_tip_for_reviewer(actor=reviewer, tip_id=sent.tip.pk) == sent.tip

    # When they keep their key wrap but are an editor and no longer a reviewer
    demote_to_editor(reviewer)

    # Then the gatekeeper itself refuses, with the answer it gives for a tip that does not exist
    with pytest.raises(Http404) as not_a_reviewer:
        access_tip_for_reviewer(actor=reviewer, tip_id=sent.tip.pk)
    with pytest.raises(Http404) as missing:
        access_tip_for_reviewer(actor=reviewer, tip_id=uuid.uuid4())
    assert str(not_a_reviewer.value) == str(missing.value)


def test_the_file_gatekeeper_and_its_helpers_follow_the_role_too(reviewer, sent):
    tip_file = TipFile.objects.get(tip=sent.tip)
    assert access_tip_file_for_reviewer(actor=reviewer, tip_id=sent.tip.pk, file_id=tip_file.pk) == tip_file
    assert may_read_tip(user=reviewer, tip=sent.tip)
    assert case_references_for_reviewer(actor=reviewer, tips=[sent.tip]) == {sent.tip.pk: sent.tip.case.reference}

    demote_to_editor(reviewer)

    with pytest.raises(Http404):
        access_tip_file_for_reviewer(actor=reviewer, tip_id=sent.tip.pk, file_id=tip_file.pk)
    assert not may_read_tip(user=reviewer, tip=sent.tip)
    assert case_references_for_reviewer(actor=reviewer, tips=[sent.tip]) == {}


def test_an_inactive_reviewer_is_refused_by_the_gatekeeper(reviewer, sent):
    reviewer.is_active = False
    reviewer.save(update_fields=["is_active"])

    with pytest.raises(Http404):
        access_tip_for_reviewer(actor=reviewer, tip_id=sent.tip.pk)
