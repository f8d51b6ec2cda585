"""The editors' gatekeepers check the editor role themselves; readers' gatekeepers see only what was published."""

from __future__ import annotations

import pytest
from django.http import Http404

from clarion.publishing.access import (
    access_post_for_editor,
    access_post_for_reader,
    posts_for_editor,
)


def test_someone_without_the_editor_role_gets_the_404_of_a_missing_post(editor, reviewer, make_published_post):
    post = make_published_post(publish=False)
    # The control: an editor opens the draft
    assert access_post_for_editor(actor=editor, post_id=post.pk) == post

    with pytest.raises(Http404) as not_an_editor:
        access_post_for_editor(actor=reviewer, post_id=post.pk)
    with pytest.raises(Http404) as missing:
        access_post_for_editor(actor=editor, post_id=post.pk + 1000)
    assert str(not_an_editor.value) == str(missing.value)
    with pytest.raises(Http404):
        posts_for_editor(actor=reviewer)
    assert post in posts_for_editor(actor=editor)


def test_a_reader_opens_a_published_post_and_never_a_draft(make_published_post):
    published = make_published_post(slug="out")
    draft = make_published_post(slug="not-yet", publish=False)

    assert access_post_for_reader(slug="out") == published
    with pytest.raises(Http404):
        access_post_for_reader(slug=draft.slug)
