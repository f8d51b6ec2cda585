"""Every page a reader, a source or a staff member can reach is a well-formed page of the site.

Crawled with the Django test client from each surface's start page, following its links: each
page has a meta description and the site's favicon; reader pages have a rel=canonical at the
site's address; headings start at h1 and never skip a level (screen-reader users move through
a page by its headings); every <time datetime> is a valid HTML date and time to the second.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from clarion.accounts.models import Organisation
from clarion.accounts.roles import ADMIN, REVIEWER
from clarion.publishing import actions
from clarion.publishing.models import Category, Tag
from tests.support.people import browser_client, logged_in_client
from tests.support.publishing import make_editor
from tests.support.tips import receipt_of, submit

pytestmark = pytest.mark.django_db

SITE = "https://council.example"
# HTML's global date and time string, to the second, in UTC or with an offset (no microseconds).
MACHINE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?")
MAX_PAGES = 60


class PageOutline(HTMLParser):
    """Collect what the checks look at: head elements, headings, times, links."""

    def __init__(self) -> None:
        super().__init__()
        self.descriptions: list[str] = []
        self.canonicals: list[str] = []
        self.icons: list[str] = []
        self.headings: list[int] = []
        self.times: list[str | None] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "meta" and attr.get("name") == "description":
            self.descriptions.append(attr.get("content") or "")
        elif tag == "link" and attr.get("rel") == "canonical":
            self.canonicals.append(attr.get("href") or "")
        elif tag == "link" and attr.get("rel") == "icon":
            self.icons.append(attr.get("href") or "")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "time":
            self.times.append(attr.get("datetime"))
        elif tag == "a" and attr.get("href"):
            self.links.append(attr["href"] or "")


def outline(html: str) -> PageOutline:
    parser = PageOutline()
    parser.feed(html)
    return parser


def page_problems(html: str, *, canonical: str | None) -> list[str]:
    """Return every way a page breaks the checks above; `canonical` is the URL it must name, or None."""
    page = outline(html)
    problems = []
    if len(page.descriptions) != 1 or not page.descriptions[0].strip():
        problems.append(f"meta description {page.descriptions!r}")
    if page.icons != ["/static/clarion/favicon.svg"]:
        problems.append(f"favicon {page.icons!r}")
    if canonical is not None and page.canonicals != [canonical]:
        problems.append(f"canonical {page.canonicals!r}, not {canonical!r}")
    if page.headings[:1] != [1] or page.headings.count(1) != 1:
        problems.append(f"headings {page.headings!r} do not start with the page's one h1")
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"heading h{after} after h{before} skips a level")
    problems += [f"<time datetime={value!r}>" for value in page.times if not MACHINE_TIME.fullmatch(value or "")]
    return problems


def crawl(client: Client, starts: list[str], *, inside: str, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """GET `starts` and every page they link to under `inside` (but not under `skip`); return path → HTML."""
    seen: dict[str, str] = {}
    queue = list(starts)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        seen[path] = html
        for href in outline(html).links:
            target = href.split("#")[0]
            if target.startswith(inside) and not target.startswith(skip) and target not in seen:
                queue.append(target)
    return seen


@pytest.fixture
def site(make_published_post, editor, approve_revision):
    """A site with every kind of reader page: reports with headings and corrections, a letter, a page, a retraction."""
    Organisation.objects.create(name="Depot Workers' Council", mission="Safety and pay at the depots.")
    pay = Category.objects.create(name="Pay", slug="pay")
    nights = Tag.objects.create(name="Night shifts", slug="night-shifts")
    report = make_published_post(
        slug="overtime",
        title="Overtime went unpaid",
        summary="Two depots.",
        body="### What we found\n\nPay slips.\n\n##### In detail\n\nFourteen months.",
        category=pay,
        tags=[nights],
    )
    approve_revision(report, body="Twelve months.", correction="We first said fourteen months.")
    make_published_post(kind="letter", slug="staffing", title="To the board", signatories="Ann\nBo", category=pay)
    make_published_post(kind="update", slug="meeting", title="Meeting on Friday", tags=[nights])
    wrong = make_published_post(slug="wrong", title="A report we withdrew")
    actions.do_retract_post(actor=editor, post=wrong, notice="Forged documents.", withdraw_text=True)
    make_published_post(kind="page", slug="about", title="About us", body="# Who we are\n\nA council.")


def test_every_reader_page_has_a_description_a_canonical_address_ordered_headings_and_valid_times(site, settings):
    settings.CLARION_SITE_URL = SITE

    pages = crawl(
        Client(),
        ["/", "/search/?q=overtime", "/search/", "/no-such-page/"],
        inside="/",
        skip=("/tip/", "/staff/", "/media/", "/feed/", "/static/", "/search/"),
    )
    pages["/search/?q=overtime"] = Client().get("/search/?q=overtime").content.decode()
    pages["/no-such-page/"] = Client().get("/no-such-page/").content.decode()

    assert {"/", "/posts/overtime/", "/posts/staffing/", "/posts/wrong/", "/pages/about/", "/archive/"} <= set(pages)
    assert {"/reports/", "/letters/", "/updates/", "/category/pay/", "/tag/night-shifts/"} <= set(pages)
    problems = {}
    for path, html in pages.items():
        canonical = None if path == "/no-such-page/" else SITE + path.split("?")[0]
        problems[path] = page_problems(html, canonical=canonical)
    assert {path: found for path, found in problems.items() if found} == {}
    # The post's own summary describes it; a page without one gets the organisation's mission
    assert outline(pages["/posts/overtime/"]).descriptions == ["Two depots."]
    assert outline(pages["/archive/"]).descriptions == ["Safety and pay at the depots."]
    # The 404 page names no canonical address: there is no page to file
    assert outline(pages["/no-such-page/"]).canonicals == []


def test_a_canonical_address_drops_tracking_tags(site, settings):
    settings.CLARION_SITE_URL = SITE

    html = Client().get("/reports/?utm_source=mail").content.decode()

    assert outline(html).canonicals == [f"{SITE}/reports/"]


def test_every_source_page_has_a_description_ordered_headings_and_valid_times(channel, reviewer):
    client = browser_client()
    pages = crawl(client, ["/tip/"], inside="/tip/", skip=("/tip/logout/",))
    sent = submit(client, channel)
    pages["receipt"] = sent.content.decode()
    receipt = receipt_of(sent)
    client.get("/tip/login/")
    inbox = client.post(
        "/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value}, follow=True
    )
    pages["inbox"] = inbox.content.decode()
    sent_message = client.post(
        "/tip/inbox/", {"message": "More.", "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value}
    )
    pages["message sent"] = sent_message.content.decode()

    assert {"/tip/", "/tip/login/", f"/tip/send/{channel.slug}/"} <= set(pages)
    assert "receipt-words" in pages["receipt"] or receipt in pages["receipt"]
    problems = {path: page_problems(html, canonical=None) for path, html in pages.items()}
    assert {path: found for path, found in problems.items() if found} == {}


def test_every_staff_page_has_a_description_ordered_headings_and_valid_times(
    channel, make_published_post, django_capture_on_commit_callbacks
):
    # Given a person with every role, a tip they can read and a published post
    person = make_editor("ada", REVIEWER, ADMIN)
    channel.receivers.add(person)
    submit(browser_client(), channel)
    make_published_post(slug="overtime", title="Overtime went unpaid")
    login_page = Client().get("/staff/login/").content.decode()

    # When they go through every staff page linked from their start page
    client = logged_in_client(person)
    starts = ["/staff/account/", "/staff/cases/", "/staff/posts/", "/staff/people/"]
    pages = crawl(client, starts, inside="/staff/", skip=("/staff/admin/", "/staff/logout/"))
    pages["/staff/login/"] = login_page

    # Then each is well formed
    kinds = {re.sub(r"/[0-9a-f-]{6,}/|/\d+/", "/N/", path) for path in pages}
    assert {
        "/staff/cases/",
        "/staff/cases/N/",
        "/staff/posts/",
        "/staff/posts/N/",
        "/staff/posts/N/edit/",
        "/staff/posts/from-tip/N/",
        "/staff/people/",
        "/staff/account/",
    } <= kinds, sorted(pages)
    problems = {path: page_problems(html, canonical=None) for path, html in pages.items()}
    assert {path: found for path, found in problems.items() if found} == {}


def test_the_admin_pages_have_a_description_and_the_favicon_too():
    person = make_editor("ada", ADMIN)

    html = logged_in_client(person).get("/staff/admin/").content.decode()

    page = outline(html)
    assert page.icons == ["/static/clarion/favicon.svg"]
    assert len(page.descriptions) == 1 and "Clarion site" in page.descriptions[0]
