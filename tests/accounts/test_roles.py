"""Roles: admins manage people and reach the admin pages; reviewers read tips; editors publish."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from clarion.accounts.roles import is_admin, is_editor, is_reviewer
from tests.support.people import log_in, make_staff

pytestmark = pytest.mark.django_db


def test_the_three_roles_exist_as_groups_after_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {"admin", "reviewer", "editor"}


def test_role_helpers_say_what_each_person_may_do():
    admin, _, _ = make_staff("ada", "admin")
    both, _, _ = make_staff("bo", "admin", "reviewer")
    reviewer, _, _ = make_staff("rita", "reviewer")
    editor, _, _ = make_staff("ed", "editor")

    assert (is_admin(admin), is_reviewer(admin)) == (True, False)
    assert (is_admin(both), is_reviewer(both)) == (True, True)
    assert (is_admin(reviewer), is_reviewer(reviewer), is_editor(reviewer)) == (False, True, False)
    assert (is_editor(editor), is_reviewer(editor)) == (True, False)


def test_a_disabled_reviewer_is_no_reviewer():
    reviewer, _, _ = make_staff("rita", "reviewer")
    reviewer.is_active = False

    assert not is_reviewer(reviewer)


def test_only_admins_see_the_people_page_and_the_admin_pages():
    admin, admin_device, _ = make_staff("ada", "admin")
    reviewer, reviewer_device, _ = make_staff("rita", "reviewer")
    as_admin, as_reviewer = Client(), Client()
    log_in(as_admin, admin, admin_device)
    log_in(as_reviewer, reviewer, reviewer_device)

    assert as_admin.get("/staff/people/").status_code == 200
    assert as_admin.get("/staff/admin/").status_code == 200
    assert as_reviewer.get("/staff/people/").status_code == 404
    assert as_reviewer.get("/staff/admin/").status_code == 302


def test_the_admin_pages_never_offer_a_password_only_login():
    response = Client().get("/staff/admin/login/?next=/staff/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_disabling_someone_in_the_django_admin_ends_their_sessions():
    admin, admin_device, _ = make_staff("ada", "admin")
    rita, rita_device, _ = make_staff("rita", "reviewer")
    as_admin, as_rita = Client(), Client()
    log_in(as_admin, admin, admin_device)
    log_in(as_rita, rita, rita_device)
    form = as_admin.get(f"/staff/admin/auth/user/{rita.pk}/change/")
    assert form.status_code == 200

    response = as_admin.post(
        f"/staff/admin/auth/user/{rita.pk}/change/",
        {
            "username": "rita",
            "groups": [g.pk for g in rita.groups.all()],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    rita.refresh_from_db()
    assert not rita.is_active
    assert as_rita.get("/staff/account/").status_code == 302


def test_the_django_admin_sets_no_passwords_and_adds_no_one():
    admin, admin_device, _ = make_staff("ada", "admin")
    client = Client()
    log_in(client, admin, admin_device)

    assert client.get(f"/staff/admin/auth/user/{admin.pk}/password/").status_code in (302, 404)
    assert client.get("/staff/admin/auth/user/add/").status_code == 403
