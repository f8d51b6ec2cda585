"""Turn an editor's Markdown into the HTML readers get: CommonMark, then an allow-list sanitiser.

Threats: a draft pasted from elsewhere (or a compromised editor account) carrying a script, an
iframe, an inline style or a remote image — which would track readers (docs/design.md, property 4) or
run in their browser. markdown-it-py renders with raw HTML switched off; nh3 (ammonia) then
keeps only the tags and attributes below. Links get `rel="noopener noreferrer nofollow"`.

Images may show only the files of the revision being rendered, written exactly as the editors'
page gives them (`/media/<token>.<ext>`): anything else — a remote image (a tracker), another
same-origin path (`/media/../staff/logout/` would make a reader's or an approving editor's
browser send a request with their cookies: the security review's L3), another post's file —
becomes its alt text. The caller says where each allowed file is served from (the public
address once published, the editors' preview before).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
# What an editor writes for a file of the post (the editors' page gives it), and where files are served.
WRITTEN_MEDIA = re.compile(r"/media/([0-9a-f]{24}\.(?:jpg|png|webp|gif))")
SERVED_MEDIA = re.compile(r"/(?:staff/posts/)?media/[0-9a-f]{24}\.(?:jpg|png|webp|gif)")


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """Drop any image that is not one of this site's media files: second line of defence."""
    if element == "img" and attribute == "src" and not SERVED_MEDIA.fullmatch(value):
        return None
    return value


def media_written_in(text: str) -> set[str]:
    """Return the file names of the post's images that a Markdown text shows."""
    return set(WRITTEN_MEDIA.findall(text))


def _adjust(tokens: list[Token], media: Mapping[str, str]) -> list[Token]:
    """Shift headings one level down (the post title is the page's only h1) and never more than one
    level below the one before (no skipped level, which screen-reader users navigate by), point
    images of the revision's own files at where they are served, and turn every other image into
    its alt text, before any HTML exists."""
    previous = 1
    for token in tokens:
        if token.type == "heading_open":
            previous = min(int(token.tag[1]) + 1, previous + 1, 6)
            token.tag = f"h{previous}"
        elif token.type == "heading_close":
            token.tag = f"h{previous}"
        for index, child in enumerate(token.children or []):
            if child.type != "image":
                continue
            written = WRITTEN_MEDIA.fullmatch(str(child.attrGet("src") or ""))
            if written and written.group(1) in media:
                child.attrSet("src", media[written.group(1)])
                continue
            replacement = Token("text", "", 0)
            replacement.content = child.content
            token.children[index] = replacement  # type: ignore[index]  # we are iterating over these children
    return tokens


def render_markdown(text: str, *, media: Mapping[str, str] | None = None) -> str:
    """Return sanitised HTML for `text` (Markdown); the same input always gives the same output.

    `media` maps the file names of the revision's images to the address each is served at;
    an image of any other address is shown as its alt text.
    """
    html = _markdown.renderer.render(_adjust(_markdown.parse(text), media or {}), _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(text: str) -> str:
    """Return the words of a Markdown text without markup, for search and summaries."""
    return html.unescape(nh3.clean(_markdown.render(text), tags=set())).strip()
