"""What readers see: the home page, posts, letters, pages, corrections, retractions, archives.

Every page is fetched through the test client as an anonymous reader; posts are made through
the editorial actions (two editors), as they would be on a real site.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from PIL import Image

from clarion.accounts.models import Organisation
from clarion.publishing import actions
from clarion.publishing.caching import drop_public_pages
from clarion.publishing.models import Category, Post, SiteSettings, Tag
from tests.support.publishing import keys_for

pytestmark = pytest.mark.django_db


def ld_blocks(html: str) -> list[dict]:
    """Return the JSON-LD objects of a page."""
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def meta_properties(html: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="([^"]+)" content="([^"]*)">', html))


@pytest.fixture
def reader() -> Client:
    return Client()


@pytest.fixture
def organisation(db) -> Organisation:
    return Organisation.objects.create(name="Depot Workers' Council", mission="Safe, fairly paid work at the depots.")


def test_home_page_shows_mission_pinned_letter_latest_reports_and_the_way_to_send_a_tip(
    reader, organisation, make_published_post
):
    letter = make_published_post(kind="letter", slug="to-the-board", title="To the board: stop the night shifts")
    Post.objects.filter(pk=letter.pk).update(pinned=True)
    make_published_post(slug="overtime", title="Overtime went unpaid for a year")
    make_published_post(slug="unpublished-draft", title="A draft nobody approved", publish=False)
    drop_public_pages()

    html = reader.get("/").content.decode()

    assert "Depot Workers&#x27; Council" in html and "Safe, fairly paid work at the depots." in html
    pinned = html.index('id="pinned-heading"')
    assert html.index("To the board: stop the night shifts") > pinned
    assert "Overtime went unpaid for a year" in html
    assert "A draft nobody approved" not in html
    assert re.search(r'<a class="button" href="/tip/">Send us a tip safely</a>', html)


def test_a_report_page_has_its_title_summary_date_body_and_tip_invitation(reader, make_published_post):
    post = make_published_post(
        slug="overtime",
        title="Overtime went unpaid",
        summary="Drivers at two depots were not paid for overtime.",
        body="## What we found\n\nPay slips show **no overtime** for 14 months.",
    )

    response = reader.get("/posts/overtime/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Overtime went unpaid</h1>" in html
    assert "Drivers at two depots were not paid for overtime." in html
    assert f'datetime="{post.first_published_at.replace(microsecond=0).isoformat()}"' in html
    assert "<h2>What we found</h2>" in html and "<strong>no overtime</strong>" in html
    assert 'id="tip-invitation-heading"' in html and 'href="/tip/"' in html


def test_a_post_body_cannot_carry_a_script_a_remote_image_or_inline_html(reader, make_published_post):
    make_published_post(
        slug="pasted",
        title="Pasted from elsewhere",
        body='Text <script>alert(1)</script> <iframe src="https://x.example"></iframe>\n\n'
        "![tracker](https://tracker.example/pixel.gif) [click](javascript:alert(1))",
    )

    html = reader.get("/posts/pasted/").content.decode()

    body = html[html.index('<div class="post-body">') :]
    assert "<script>alert" not in body and "<iframe" not in body
    assert "tracker.example" not in html
    assert 'href="javascript:' not in html


def test_an_open_letter_shows_whom_it_is_to_and_who_signed(reader, organisation, make_published_post):
    post = make_published_post(kind="letter", slug="letter", title="An open letter on night shifts")
    rev = post.published_revision
    rev.addressed_to = "The board of Acme Logistics"
    rev.signatories = "Ana Ruiz, driver\nSam Okafor, shop steward\n"
    rev.save()
    unsigned = make_published_post(kind="letter", slug="unsigned", title="Signed by us")
    drop_public_pages()

    html = reader.get("/posts/letter/").content.decode()
    assert "To: The board of Acme Logistics" in html
    assert "<li>Ana Ruiz, driver</li>" in html and "<li>Sam Okafor, shop steward</li>" in html
    unsigned_html = reader.get(unsigned.get_absolute_url()).content.decode()
    signed = unsigned_html[unsigned_html.index('id="signed-heading"') :]
    assert "Depot Workers&#x27; Council" in signed[:300]


def test_drafts_posts_in_review_and_unknown_slugs_are_not_found(reader, make_published_post):
    make_published_post(slug="draft", title="Still a draft", publish=False)

    assert reader.get("/posts/draft/").status_code == 404
    assert reader.get("/posts/never-existed/").status_code == 404
    assert reader.get("/pages/draft/").status_code == 404


def test_static_pages_live_under_pages_and_appear_in_the_footer(reader, make_published_post):
    make_published_post(kind="page", slug="how-we-protect-sources", title="How we protect sources")

    html = reader.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert '<a href="/pages/how-we-protect-sources/">How we protect sources</a>' in footer
    assert reader.get("/pages/how-we-protect-sources/").status_code == 200
    assert reader.get("/posts/how-we-protect-sources/").status_code == 404


def test_a_correction_is_shown_on_the_post_with_its_date_and_in_structured_data(
    reader, make_published_post, approve_revision
):
    post = make_published_post(slug="overtime", title="Overtime went unpaid", body="Fourteen months.")
    approve_revision(post, body="Twelve months.", correction="We first said fourteen months; it was twelve.")

    html = reader.get("/posts/overtime/").content.decode()

    post.refresh_from_db()
    correction = post.corrections.get()
    assert "We first said fourteen months; it was twelve." in html
    assert f'<time datetime="{correction.published_at.replace(microsecond=0).isoformat()}">' in html
    assert "Twelve months." in html and "Fourteen months." not in html
    article = next(block for block in ld_blocks(html) if block["@type"] == "NewsArticle")
    assert article["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "We first said fourteen months; it was twelve.",
            "datePublished": correction.published_at.replace(microsecond=0).isoformat(),
        }
    ]


def test_a_retracted_post_stays_reachable_with_its_notice_and_date(reader, make_published_post, editor):
    post = make_published_post(slug="wrong", title="A report we got wrong", body="The claim.")

    actions.do_retract_post(actor=editor, post=post, notice="The documents were forged.", withdraw_text=False)

    response = reader.get("/posts/wrong/")
    html = response.content.decode()
    post.refresh_from_db()
    assert response.status_code == 200
    assert "Retracted on" in html and post.retracted_at.strftime("%-d %B %Y") in html
    assert "The documents were forged." in html
    assert "The claim." in html
    assert "<title>Retracted: A report we got wrong" in html


def test_a_retraction_can_withdraw_the_text_but_not_the_notice(reader, make_published_post, editor):
    post = make_published_post(slug="danger", title="A report that endangered someone", body="Identifying detail.")

    actions.do_retract_post(actor=editor, post=post, notice="Withdrawn to protect a person.", withdraw_text=True)

    html = reader.get("/posts/danger/").content.decode()
    assert "Withdrawn to protect a person." in html
    assert "Identifying detail." not in html
    assert "The text of this post has been withdrawn." in html


def test_structured_data_describes_the_article_and_the_organisation_with_its_policies(
    reader, organisation, make_published_post, settings
):
    settings.CLARION_SITE_URL = "https://council.example"
    corrections_page = make_published_post(kind="page", slug="corrections", title="Corrections policy")
    sourcing_page = make_published_post(kind="page", slug="sources", title="How we protect sources")
    SiteSettings.objects.update(corrections_policy=corrections_page, sourcing_policy=sourcing_page)
    make_published_post(slug="overtime", title="Overtime went unpaid", summary="Two depots.")
    drop_public_pages()

    html = reader.get("/posts/overtime/").content.decode()

    blocks = {block["@type"]: block for block in ld_blocks(html)}
    article, org = blocks["NewsArticle"], blocks["NewsMediaOrganization"]
    assert article["headline"] == "Overtime went unpaid"
    assert article["description"] == "Two depots."
    assert article["url"] == "https://council.example/posts/overtime/"
    assert article["publisher"]["name"] == "Depot Workers' Council"
    assert org["correctionsPolicy"] == "https://council.example/pages/corrections/"
    assert org["unnamedSourcesPolicy"] == "https://council.example/pages/sources/"
    og = meta_properties(html)
    assert og["og:title"] == "Overtime went unpaid"
    assert og["og:type"] == "article"
    assert og["og:url"] == "https://council.example/posts/overtime/"


def test_structured_data_cannot_be_broken_out_of_by_a_title(reader, make_published_post):
    make_published_post(slug="tricky", title="</script><script>alert(1)</script>")

    html = reader.get("/posts/tricky/").content.decode()

    assert "<script>alert(1)" not in html
    article = next(block for block in ld_blocks(html) if block["@type"] == "NewsArticle")
    assert article["headline"] == "</script><script>alert(1)</script>"


def test_related_posts_share_a_category_or_a_tag(reader, make_published_post):
    pay = Category.objects.create(name="Pay", slug="pay")
    night = Tag.objects.create(name="Night shifts", slug="night-shifts")
    make_published_post(slug="overtime", title="Overtime went unpaid", category=pay)
    make_published_post(slug="bonus", title="Bonuses cut", category=pay)
    make_published_post(slug="nights", title="Night shift rota", tags=[night])
    make_published_post(slug="sleep", title="Sleep and night work", tags=[night])
    make_published_post(slug="canteen", title="The canteen closes")

    overtime = reader.get("/posts/overtime/").content.decode()
    nights = reader.get("/posts/nights/").content.decode()

    related = overtime[overtime.index('id="related-heading"') :]
    assert "Bonuses cut" in related and "The canteen closes" not in related
    assert "Sleep and night work" in nights[nights.index('id="related-heading"') :]


def test_archives_by_kind_category_tag_and_month_are_paginated(reader, make_published_post):
    pay = Category.objects.create(name="Pay", slug="pay")
    night = Tag.objects.create(name="Night shifts", slug="night-shifts")
    for number in range(12):
        make_published_post(slug=f"report-{number}", title=f"Report number {number}", category=pay, tags=[night])
    make_published_post(kind="update", slug="an-update", title="An update")
    month = Post.objects.get(slug="report-0").first_published_at

    first = reader.get("/reports/").content.decode()
    second = reader.get("/reports/?page=2").content.decode()

    assert first.count('class="post-summary"') == 10 and second.count('class="post-summary"') == 2
    assert "Page 1 of 2" in first and "An update" not in first + second
    assert reader.get("/reports/?page=3").status_code == 404
    assert reader.get("/category/pay/").content.decode().count('class="post-summary"') == 10
    assert reader.get("/tag/night-shifts/?page=2").content.decode().count('class="post-summary"') == 2
    month_page = reader.get(f"/archive/{month:%Y}/{month.month}/").content.decode()
    assert f"Published in {month:%B %Y}" in month_page and "An update" in month_page
    assert reader.get("/category/unknown/").status_code == 404
    assert reader.get("/archive/2026/13/").status_code == 404
    index = reader.get("/archive/").content.decode()
    assert f'href="/archive/{month:%Y}/{month.month}/"' in index and 'href="/category/pay/"' in index


def test_no_reader_page_sets_a_cookie_and_every_one_may_be_cached_publicly(reader, make_published_post):
    make_published_post(
        slug="overtime", title="Overtime went unpaid", category=Category.objects.create(name="Pay", slug="pay")
    )
    make_published_post(kind="page", slug="about", title="About us")
    urls = [
        "/", "/posts/overtime/", "/pages/about/", "/reports/", "/letters/", "/updates/", "/archive/",
        "/category/pay/", "/search/?q=overtime", "/feed/rss/", "/feed/atom/", "/sitemap.xml",
    ]  # fmt: skip
    for url in urls:
        response = reader.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, f"{url} set {list(response.cookies)}"
        assert "Set-Cookie" not in response.headers, url
        assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"], url
        assert "Cookie" not in response.get("Vary", ""), url


def test_a_post_signed_by_a_named_editor_shows_the_name_and_otherwise_the_organisation(
    reader, organisation, make_published_post, editor
):
    named = make_published_post(slug="named", title="Signed by a person")
    Post.objects.filter(pk=named.pk).update(byline_editor=editor, byline_name="Edna Marsh")
    make_published_post(slug="unnamed", title="Signed by us")
    drop_public_pages()

    named_html = reader.get("/posts/named/").content.decode()
    unnamed_html = reader.get("/posts/unnamed/").content.decode()

    assert "By Edna Marsh" in named_html
    assert next(b for b in ld_blocks(named_html) if b["@type"] == "NewsArticle")["author"] == {
        "@type": "Person",
        "name": "Edna Marsh",
        "url": "http://testserver/",
    }
    assert "By Depot Workers&#x27; Council" in unnamed_html
    assert next(b for b in ld_blocks(unnamed_html) if b["@type"] == "NewsArticle")["author"]["@type"] == "Organization"


def test_withdrawing_a_posts_text_also_withdraws_its_images(reader, make_published_post, editor):
    post = make_published_post(slug="photo", title="A photo report")
    image = Image.new("RGB", (8, 8), (200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    media = actions.do_add_media(
        actor=editor, post=post, data=buffer.getvalue(), title="The yard", alt_text="A yard.", keys=keys_for(editor)
    )
    post = make_published_post(existing=post)
    assert reader.get(media.get_absolute_url()).status_code == 200
    assert f'src="{media.get_absolute_url()}"' in reader.get("/posts/photo/").content.decode()

    actions.do_retract_post(actor=editor, post=post, notice="Withdrawn.", withdraw_text=True)

    assert reader.get(media.get_absolute_url()).status_code == 404
    assert media.get_absolute_url() not in reader.get("/posts/photo/").content.decode()
