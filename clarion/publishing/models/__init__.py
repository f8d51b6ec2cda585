"""The public site's content and its review: import models from here.

- `site`: publishing settings, categories and tags;
- `posts`: posts, their sealed revisions, corrections, comments, media and the search text;
- `review`: redaction checks and decisions, links to tips, the publishing key.
"""

from clarion.publishing.models.posts import (
    Correction,
    EditorialComment,
    Media,
    Post,
    PostQuerySet,
    PublishedMedia,
    Revision,
    RevisionQuote,
    SearchDocument,
    new_media_token,
)
from clarion.publishing.models.review import (
    PublishingKey,
    PublishingKeyWrap,
    RedactionCheck,
    RedactionDecision,
    TipLink,
)
from clarion.publishing.models.site import Category, SiteSettings, Tag

__all__ = [
    "Category",
    "Correction",
    "EditorialComment",
    "Media",
    "Post",
    "PostQuerySet",
    "PublishedMedia",
    "PublishingKey",
    "PublishingKeyWrap",
    "RedactionCheck",
    "RedactionDecision",
    "Revision",
    "RevisionQuote",
    "SearchDocument",
    "SiteSettings",
    "Tag",
    "TipLink",
    "new_media_token",
]
