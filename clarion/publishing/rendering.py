"""Turn an editor's Markdown into the HTML readers get: CommonMark, then an allow-list sanitiser.

Threats: a draft pasted from elsewhere (or a compromised editor account) carrying a script, an
iframe, an inline style or a remote image — which would track readers (DESIGN property 4) or
run in their browser. markdown-it-py renders with raw HTML switched off; nh3 (ammonia) then
keeps only the tags and attributes below. Images may point only at this site's own media,
links get `rel="noopener noreferrer nofollow"`.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
MEDIA_PREFIX = "/media/"


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """Drop any image that is not this site's own media: a remote image is a tracker."""
    if element == "img" and attribute == "src" and not _is_own_media(value):
        return None  # second line of defence: _adjust already removed such images
    return value


def _is_own_media(src: str) -> bool:
    parts = urlsplit(src)
    return not parts.scheme and not parts.netloc and parts.path.startswith(MEDIA_PREFIX)


def _adjust(tokens: list[Token]) -> list[Token]:
    """Shift headings one level down (the post title is the page's only h1) and turn images
    that are not this site's media into their alt text, before any HTML exists."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        for index, child in enumerate(token.children or []):
            if child.type == "image" and not _is_own_media(str(child.attrGet("src") or "")):
                replacement = Token("text", "", 0)
                replacement.content = child.content
                token.children[index] = replacement
    return tokens


def render_markdown(text: str) -> str:
    """Return sanitised HTML for `text` (Markdown); the same input always gives the same output."""
    html = _markdown.renderer.render(_adjust(_markdown.parse(text)), _markdown.options, {})
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
