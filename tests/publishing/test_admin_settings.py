"""Admins set the publishing rules in the admin pages: deny-list, two-person rule, categories."""

from __future__ import annotations

import pytest
from django.test import Client

from clarion.publishing import actions
from clarion.publishing.models import Category, SiteSettings
from tests.support.people import log_in, make_staff
from tests.support.publishing import flags_of, keys_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    admin, device, _ = make_staff("ada", "admin")
    client = Client()
    log_in(client, admin, device)
    return client


def test_a_name_an_admin_adds_to_the_deny_list_is_flagged_in_the_next_draft(admin_client, editor):
    settings_row = SiteSettings.current()
    response = admin_client.post(
        f"/staff/admin/publishing/sitesettings/{settings_row.pk}/change/",
        {"require_second_editor": "on", "deny_list": "# staff roster\nMarta Kovač\nNorthfield depot\n"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    post = actions.do_create_post(
        actor=editor,
        kind="report",
        slug="rota",
        content=actions.RevisionContent(title="The rota", body="Marta Kovač's shifts at the northfield  depot."),
        keys=keys_for(editor),
    )

    flags = flags_of(post.latest_revision)
    assert [(f["kind"], f["text"]) for f in flags] == [
        ("deny-list", "Marta Kovač"),
        ("deny-list", "northfield  depot"),
    ]


def test_categories_and_tags_are_managed_in_the_admin_and_offered_to_editors(admin_client, editor_client):
    admin_client.post("/staff/admin/publishing/category/add/", {"name": "Pay", "slug": "pay"})
    admin_client.post("/staff/admin/publishing/tag/add/", {"name": "Night shifts", "slug": "night-shifts"})

    form = editor_client.get("/staff/posts/new/").content.decode()

    assert Category.objects.filter(slug="pay").exists()
    assert ">Pay</option>" in form and "Night shifts" in form


def test_the_admin_offers_no_way_to_edit_posts_around_the_workflow_and_one_settings_row(admin_client):
    SiteSettings.current()

    assert admin_client.get("/staff/admin/publishing/post/").status_code == 404
    assert admin_client.get("/staff/admin/publishing/sitesettings/add/").status_code == 403
