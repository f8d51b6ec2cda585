"""Changes of keys, roles and second factors made in the admin pages are in the hash-chained audit log.

Django's own admin log is a table any admin with database access rewrites unseen; the audit
chain breaks if anyone does (M2, I4). Each test drives the admin pages as an admin would.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from clarion import vault
from clarion.accounts.models import Organisation
from clarion.audit.log import verify
from clarion.audit.models import AuditEntry
from tests.support.people import StaffBrowser, browser_client, csrf, enrol, log_in, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    admin, device, _ = make_staff("ada", "admin")
    client = browser_client()
    assert log_in(client, admin, device).status_code == 302
    return admin, client


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def user_form(user, **changes) -> dict:  # noqa: ANN001, ANN003
    """The user change form as the admin page fills it in for `user`, with `changes`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "groups": [group.pk for group in user.groups.all()],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_replacing_the_organisations_offline_key_in_the_admin_is_in_the_audit_chain(ada):
    admin, client = ada
    old_key, new_key = vault.generate_keypair().recipient, vault.generate_keypair().recipient
    organisation = Organisation.objects.create(name="Union", offline_public_key=old_key)
    page = f"/staff/admin/accounts/organisation/{organisation.pk}/change/"

    response = client.post(
        page, {"name": "Union", "mission": "", "languages": "en", "offline_public_key": new_key, **csrf(client)}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    (entry,) = entries("organisation.offline_key")
    assert entry.actor_id == admin.pk
    assert old_key in entry.detail and new_key in entry.detail
    # And removing it is recorded too
    client.post(page, {"name": "Union", "mission": "", "languages": "en", "offline_public_key": "", **csrf(client)})
    assert "none" in entries("organisation.offline_key")[-1].detail
    assert verify().broken is None


def test_granting_and_taking_roles_in_the_user_admin_is_in_the_audit_chain(ada):
    admin, client = ada
    rita, _device, _ = make_staff("rita", "reviewer")
    editor, admin_group = Group.objects.get(name="editor"), Group.objects.get(name="admin")
    page = f"/staff/admin/auth/user/{rita.pk}/change/"

    # When an admin makes the reviewer an editor and an admin, instead of a reviewer
    response = client.post(page, {**user_form(rita, groups=[editor.pk, admin_group.pk]), **csrf(client)})

    # Then each role granted and taken is recorded, by whom and for whom
    assert response.status_code == 302, response.content.decode()[:3000]
    granted = {entry.detail for entry in entries("role.granted")}
    removed = {entry.detail for entry in entries("role.removed")}
    assert granted == {f"admin to user {rita.pk} (rita)", f"editor to user {rita.pk} (rita)"}
    assert removed == {f"reviewer from user {rita.pk} (rita)"}
    assert {entry.actor_id for entry in entries("role.granted")} == {admin.pk}
    # And Django's admin flags follow the admin role, recorded with it
    rita.refresh_from_db()
    assert rita.is_staff and rita.is_superuser
    assert verify().broken is None


def test_the_admin_flags_follow_the_admin_role_and_cannot_be_set_alone(ada):
    _admin, client = ada
    rita, rita_device, _ = make_staff("rita", "reviewer")
    bob, bob_device, _ = make_staff("bob", "admin")
    page = f"/staff/admin/auth/user/{rita.pk}/change/"

    # Ticking "superuser" for a reviewer changes nothing: the flags come with the admin role
    client.post(page, {**user_form(rita, is_staff="on", is_superuser="on"), **csrf(client)})
    rita.refresh_from_db()
    assert not (rita.is_staff or rita.is_superuser)

    # Taking the admin role away takes the admin pages away too
    client.post(f"/staff/admin/auth/user/{bob.pk}/change/", {**user_form(bob, groups=[]), **csrf(client)})
    bob.refresh_from_db()
    assert not (bob.is_staff or bob.is_superuser)
    as_bob = Client()
    log_in(as_bob, bob, bob_device)
    assert as_bob.get("/staff/admin/").status_code == 302
    assert entries("role.removed")[-1].detail == f"admin from user {bob.pk} (bob)"


def test_changing_a_group_in_the_group_admin_is_in_the_audit_chain_and_roles_keep_their_names(ada):
    admin, client = ada
    reviewer = Group.objects.get(name="reviewer")
    permission = Permission.objects.get(codename="view_keycustody")
    page = f"/staff/admin/auth/group/{reviewer.pk}/change/"

    response = client.post(page, {"name": "reviewer", "permissions": [permission.pk], **csrf(client)})

    assert response.status_code == 302, response.content.decode()[:3000]
    (entry,) = entries("group.changed")
    assert entry.actor_id == admin.pk
    assert "reviewer" in entry.detail and "accounts.view_keycustody" in entry.detail
    # A role's group is neither renamed (every role check would fail) nor deleted
    client.post(page, {"name": "readers", "permissions": [permission.pk], **csrf(client)})
    assert Group.objects.filter(name="reviewer").exists()
    assert (
        client.post(f"/staff/admin/auth/group/{reviewer.pk}/delete/", {"post": "yes", **csrf(client)}).status_code
        == 403
    )
    assert Group.objects.filter(pk=reviewer.pk).exists()


def test_second_factor_devices_made_and_removed_are_in_the_audit_chain(ada):
    # Given an admin who resets a reviewer's account on the people page
    admin, client = ada
    rita, device, _ = make_staff("rita", "reviewer")
    response = client.post(f"/staff/people/{rita.pk}/reset/", csrf(client))
    assert response.status_code == 200
    code = response.context["code"]

    # Then removing her authenticator is recorded
    (removed,) = entries("device.removed")
    assert removed.actor_id == admin.pk and f"user {rita.pk}" in removed.detail

    # When she enrols again with the reset code, her new authenticator is recorded too
    enrol(StaffBrowser(), code, username="rita")
    (added,) = entries("device.added")
    assert added.actor_id == rita.pk and f"user {rita.pk}" in added.detail
    assert verify().broken is None
