"""Time the reviewer's inbox with 1,000 and with 100,000 tips, through the real server.

`python -m bench.inbox` prepares a production-settings server (demo content), adds a
reviewer with a password, an authenticator and a key, and sends one real tip per channel
through `do_submit_tip`. It then bulk-inserts copies of those tips (`bulk_create` in
batches: Tip, its key wraps, a CaseFile with a mix of statuses, labels, assignees and
deadlines, and read markers for part of them) until the database holds 1,000 tips, times
the inbox, grows it to 100,000 and times it again. The copies share the real tips'
ciphertexts and keys; each has its own id, lookup id and reference, so the tables and
indexes look as they would after years of use.

The reviewer logs in through the real pages (password, then TOTP code) over one keep-alive
connection, as a browser does, and each page is fetched `--requests` times: the first page
(default sort), a filtered page (status "New" and unread only), a deep page (page 500, or
the last page when there are fewer: the inbox pages by keyset, so its link carries a cursor,
computed once in the server's environment as the page-499 link would carry it) and the
deadline sort. Page 1 and the deep page are then printed side by side, in ms and in queries:
with keyset pages both should cost the same. The SQL
queries per page are counted in a separate process logged in with Django's test Client
through the same views (CaptureQueriesContext); the slowest query of each page at the
largest size is printed with its plan.

Goal (issue 3): the page time with 100,000 tips at most 1.5 times that with 1,000.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

from bench.server import (
    Browser,
    CpuWatch,
    bench_root,
    csrf_token,
    figure,
    heading,
    ms,
    new_server,
    note,
    percentile,
    problems_of,
    where,
)
from tests.support.live import REPO, LiveServer

RATIO_GOAL = 1.5
BATCH = 2000
REVIEWER = "bench-inbox-reviewer"
INBOX = "/staff/cases/"
DEEP_PAGE = 500
FIRST = "first page (newest first)"
DEEP = "deep page (page 500, ?after=)"
#: What each figure fetches; "{new}" is the pk of the "New" status, "{deep}" the deep page's query.
PAGES = {
    FIRST: "",
    "filtered (status New, unread only)": "?status={new}&unread=on",
    DEEP: "{deep}",
    "deadline sort": "?sort=deadline",
}


# --- inside the server's environment (a subprocess with its settings and data) ------------------


def _inside(server: LiveServer, command: str, **kwargs: object) -> dict:
    """Run `command` of this module in a process with the server's settings; return its JSON answer."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.inbox", "--inside", command, json.dumps(kwargs)],
        env=server.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.inbox --inside {command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _setup_reviewer(password: str, totp_key: str) -> dict:
    """Create the bench reviewer (password, confirmed authenticator, key) receiving every channel."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clarion.accounts.keys import create_key_custody
    from clarion.accounts.roles import REVIEWER as REVIEWER_ROLE
    from clarion.accounts.roles import grant_role
    from clarion.casework.models import Status
    from clarion.intake.models import Channel

    user = get_user_model().objects.create_user(REVIEWER, password=password, is_staff=True)
    grant_role(user, REVIEWER_ROLE)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, key=totp_key)
    create_key_custody(user, password)  # one Argon2id pass
    for channel in Channel.objects.all():
        channel.receivers.add(user)
    return {"new_status": Status.initial().pk}


def _template_tips() -> list:
    """Send one real tip per channel through `do_submit_tip` (real ciphertexts and wraps)."""
    from clarion import vault
    from clarion.intake.actions import do_submit_tip
    from clarion.intake.form_tokens import new_form_token, read_form_token
    from clarion.intake.models import Channel, Tip

    templates = []
    for channel in Channel.objects.all():
        answers = [{"question": q.label, "kind": q.kind, "answer": "bench"} for q in channel.questions.all()]
        keys = vault.new_tip_keys()
        form = read_form_token(new_form_token())  # as the form page would give it
        do_submit_tip(channel=channel, keys=keys, answers=answers, message="A bench tip. " * 40, uploads=[], form=form)
        templates.append(Tip.objects.get(conversation_public_key=keys.conversation.recipient))
    return templates


def _populate(total: int, seed: int = 1) -> dict:
    """Bulk-insert copies of real tips until `total` tips exist; return what was inserted."""
    import random
    import uuid
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from clarion.casework.models import REFERENCE_ALPHABET, CaseFile, Label, ReadMarker, Status
    from clarion.intake.models import KeyWrap, Tip

    started = time.perf_counter()
    reviewer = get_user_model().objects.get(username=REVIEWER)
    templates = list(Tip.objects.filter(key_wraps__user=reviewer).distinct()[:3]) or _template_tips()
    wraps = {t.pk: list(KeyWrap.objects.filter(tip=t)) for t in templates}
    existing = Tip.objects.count()
    to_add = total - existing
    if to_add <= 0:
        return {"added": 0, "seconds": 0.0, "tips": existing}

    rng = random.Random(seed + existing)
    statuses = list(Status.objects.order_by("position"))
    # Most tips end closed after years; a few are new; the rest in between.
    status_weights = [0.08, 0.12, 0.15, 0.05, 0.60][: len(statuses)] + [0.05] * max(0, len(statuses) - 5)
    labels = [Label.objects.get_or_create(name=name)[0] for name in ("fraud", "safety", "hr", "urgent", "legal", "it")]
    others = list(get_user_model().objects.exclude(pk=reviewer.pk)[:3])
    assignees = [None, None, reviewer, *others]
    taken = set(CaseFile.objects.values_list("reference", flat=True))
    now = timezone.now()
    span_days = max(365, total // 50)  # about 50 tips a day
    through = CaseFile.labels.through

    def reference() -> str:
        while True:
            ref = "T-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(6))
            if ref not in taken:
                taken.add(ref)
                return ref

    done = 0
    while done < to_add:
        count = min(BATCH, to_add - done)
        tips, key_wraps, cases, case_labels, markers = [], [], [], [], []
        for _ in range(count):
            template = templates[rng.randrange(len(templates))]
            received = now - timedelta(seconds=rng.uniform(0, span_days * 86400))
            activity = min(now, received + timedelta(days=rng.expovariate(1 / 20)))
            tip = Tip(
                id=uuid.uuid4(),
                channel_id=template.channel_id,
                received_at=received,
                last_activity_at=activity,
                lookup_id=secrets.token_hex(32),
                conversation_public_key=template.conversation_public_key,
                case_public_key=template.case_public_key,
                source_public_key=template.source_public_key,
                answers=template.answers,
            )
            tips.append(tip)
            for wrap in wraps[template.pk]:
                copy = KeyWrap(**{f.attname: getattr(wrap, f.attname) for f in KeyWrap._meta.concrete_fields})
                copy.pk = None
                copy.tip_id = tip.id
                key_wraps.append(copy)
            status = rng.choices(statuses, weights=status_weights)[0]
            acknowledged = None if status.kind == Status.Kind.NEW else received + timedelta(days=rng.uniform(0, 7))
            if status.kind == Status.Kind.CLOSED:
                due_step, due_at = "", None
            elif acknowledged is None:
                due_step, due_at = "acknowledge", received + timedelta(days=7)
            else:
                due_step, due_at = "feedback", acknowledged + timedelta(days=90)
            cases.append(
                CaseFile(
                    tip_id=tip.id,
                    reference=reference(),
                    status=status,
                    assignee=rng.choice(assignees),
                    important=rng.random() < 0.05,
                    received_at=received,
                    updated_at=activity,
                    acknowledged_at=acknowledged,
                    due_step=due_step,
                    due_at=due_at,
                )
            )
            for label in rng.sample(labels, rng.choice((0, 0, 1, 1, 2))):
                case_labels.append(through(casefile_id=tip.id, label_id=label.pk))
            roll = rng.random()
            if roll < 0.7:  # read since its last activity
                markers.append(ReadMarker(tip_id=tip.id, user=reviewer, read_at=activity + timedelta(hours=1)))
            elif roll < 0.8:  # read, then the source wrote again: unread
                markers.append(ReadMarker(tip_id=tip.id, user=reviewer, read_at=received + timedelta(minutes=5)))
        with transaction.atomic():
            Tip.objects.bulk_create(tips)
            KeyWrap.objects.bulk_create(key_wraps)
            CaseFile.objects.bulk_create(cases)
            through.objects.bulk_create(case_labels)
            ReadMarker.objects.bulk_create(markers)
        done += count
    return {"added": to_add, "seconds": time.perf_counter() - started, "tips": Tip.objects.count()}


def _deep_page(page: int) -> dict:
    """Return the query of the inbox's `page` (or its last page) in the default sort, with its cursor."""
    from django.contrib.auth import get_user_model

    from clarion.casework.inbox import DEFAULT_SORT, PAGE_SIZE, SORTS, Cursor
    from clarion.casework.models import CaseFile

    reviewer = get_user_model().objects.get(username=REVIEWER)
    key = SORTS[DEFAULT_SORT]
    cases = CaseFile.objects.for_reviewer(reviewer).for_inbox().order_by(*key.order(forward=True))
    page = max(1, min(page, (cases.count() - 1) // PAGE_SIZE + 1))
    if page == 1:
        return {"query": "", "page": 1}
    start = (page - 1) * PAGE_SIZE + 1
    previous_last = cases[start - 2]  # the row the link of the page before continues from
    cursor = Cursor(DEFAULT_SORT, key.value_of(previous_last), previous_last.pk, start)
    return {"query": "?" + urllib.parse.urlencode({"after": cursor.dumps()}), "page": page}


def _count_queries(password: str, totp_key: str, urls: dict[str, str], explain: bool, budget: float) -> dict:
    """Log in with the test Client through the real views; count and time each page's queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/staff/login/", {"username": REVIEWER, "password": password, "next": ""})
    if response.status_code != 302:
        raise RuntimeError(f"password step: HTTP {response.status_code}")
    # A device accepts each code once, and one step of drift: use the first step not used yet.
    device = TOTPDevice.objects.get(user__username=REVIEWER)
    while (ahead := device.last_t + 1 - int(time.time()) // 30) > 1:
        time.sleep(2)
    response = client.post("/staff/login/code/", {"code": _code(totp_key, steps_ahead=max(0, ahead))})
    if response.status_code != 302:
        raise RuntimeError(f"code step: HTTP {response.status_code}")
    out = {}
    for name, url in urls.items():
        interrupted = False
        for _ in range(2):  # a warm-up, then the one counted (unless the warm-up ran out of time)
            _limit_queries(budget)
            with CaptureQueriesContext(connection) as queries:
                try:
                    response = client.get(url)
                except Exception as error:  # noqa: BLE001 - the query interrupted at the budget
                    interrupted = f"{type(error).__name__}: {error}"
            _limit_queries(None)
            if interrupted:
                break
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
        timed = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)
        entry = {"count": len(queries), "slowest_ms": float(timed[0]["time"]) * 1000, "slowest_sql": timed[0]["sql"]}
        entry["sql_ms"] = sum(float(q["time"]) for q in timed) * 1000
        entry["interrupted"] = interrupted
        if explain or interrupted:
            entry["plan"] = _plan(timed[0]["sql"], analyze=not interrupted)
        out[name] = entry
    return out


def _limit_queries(seconds: float | None) -> None:
    """Interrupt any query running longer than `seconds` (None: no limit)."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        if seconds is None:
            connection.connection.set_progress_handler(None, 0)
        else:
            deadline = time.monotonic() + seconds
            connection.connection.set_progress_handler(lambda: time.monotonic() > deadline, 100_000)
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int((seconds or 0) * 1000)}")


def _plan(sql: str, analyze: bool) -> list[str]:
    """Return the query's plan (PostgreSQL: with real times, unless it ran out of time)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute(("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") + sql)
        return [row[0] for row in cursor.fetchall()]


INSIDE = {
    "setup_reviewer": _setup_reviewer,
    "populate": _populate,
    "deep_page": _deep_page,
    "count_queries": _count_queries,
}


# --- the bench process --------------------------------------------------------------------------


def _code(totp_key: str, steps_ahead: int = 0) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(totp_key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


@dataclass
class Reviewer:
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    totp_key: str = field(default_factory=lambda: secrets.token_hex(20))
    new_status: int = 0


def setup_reviewer(server: LiveServer) -> Reviewer:
    reviewer = Reviewer()
    answer = _inside(server, "setup_reviewer", password=reviewer.password, totp_key=reviewer.totp_key)
    reviewer.new_status = answer["new_status"]
    return reviewer


def log_in(server: LiveServer, reviewer: Reviewer) -> Browser:
    """Return a browser in which the reviewer logged in through the real pages (password, code)."""
    browser = Browser(server.port)
    status, html = browser.request("GET", "/staff/login/")
    form = {"csrfmiddlewaretoken": csrf_token(html), "username": REVIEWER, "password": reviewer.password, "next": ""}
    kind = "application/x-www-form-urlencoded"
    status, body = browser.request("POST", "/staff/login/", urllib.parse.urlencode(form).encode(), kind)
    if status != 302:
        raise RuntimeError(f"password step answered HTTP {status}: {problems_of(body)}")
    status, html = browser.request("GET", "/staff/login/code/")
    # A code is accepted once per device, and one step ahead: try this step's, the next, and
    # if both were used (by the query-counting login), the one after, once it is in reach.
    for attempt, steps_ahead in enumerate((0, 1, 1)):
        if attempt == 2:
            time.sleep(30.5 - time.time() % 30)
        form = {"csrfmiddlewaretoken": csrf_token(html), "code": _code(reviewer.totp_key, steps_ahead)}
        status, body = browser.request("POST", "/staff/login/code/", urllib.parse.urlencode(form).encode(), kind)
        if status == 302:
            return browser
    raise RuntimeError(f"code step answered HTTP {status}: {problems_of(body)}")


def time_pages(
    server: LiveServer, browser: Browser, urls: dict[str, str], requests: int, budget: float
) -> dict[str, list[float]]:
    """Fetch each page `requests` times after two warm-up requests; return the times.

    A page whose request takes longer than `budget` seconds is given up (its list holds that
    one `inf`), and the server restarted so that its query stops burning CPU.
    """
    times: dict[str, list[float]] = {}
    for name, url in urls.items():
        times[name] = []
        browser.timeout = budget
        for round_ in range(requests + 2):
            started = time.perf_counter()
            try:
                status, body = browser.request("GET", url)
            except TimeoutError:
                times[name] = [float("inf")]
                browser.close()
                restart(server)
                browser.port = server.port  # the session lives in the database: it goes on
                break
            seconds = time.perf_counter() - started
            if status != 200 or b"<table" not in body:
                raise RuntimeError(f"{url} answered HTTP {status}: {problems_of(body)}")
            if round_ >= 2:
                times[name].append(seconds)
    return times


def restart(server: LiveServer) -> None:
    """Stop the server (and any query still running in it) and start it again on a new port."""
    from tests.support.live import free_port

    server.stop()
    server.port = free_port()
    server.env["CLARION_BIND"] = f"127.0.0.1:{server.port}"
    server.start()


def page_caption(browser: Browser, url: str) -> str:
    import re

    _, body = browser.request("GET", url)
    match = re.search(rb"<caption>(.*?)</caption>", body, re.S)
    return re.sub(r"\s+", " ", match.group(1).decode()) if match else "?"


def run(
    sizes: tuple[int, ...] = (1_000, 100_000), requests: int = 30, budget: float = 10.0
) -> dict[int, dict[str, list[float]]]:
    heading(f"Reviewer inbox through the real server at {', '.join(f'{n:,}' for n in sizes)} tips")
    results: dict[int, dict[str, list[float]]] = {}
    queries: dict[int, dict] = {}
    with bench_root() as root:
        server = new_server(root)
        try:
            server.prepare()
            reviewer = setup_reviewer(server)
            engine = "PostgreSQL" if server.pg_database else "SQLite"
            note(f"{engine}; data folder: {where(server.data_dir)}; {requests} requests per page, after 2 warm-up")
            server.start()  # it stays up while tips are added: SQLite's WAL lets it
            assert server.process is not None
            for size in sizes:
                answer = _inside(server, "populate", total=size)
                note(f"{size:,} tips: inserted {answer['added']:,} in {answer['seconds']:.0f} s (bulk_create)")
                deep_page = _inside(server, "deep_page", page=DEEP_PAGE)
                urls = {
                    name: INBOX + query.format(new=reviewer.new_status, deep=deep_page["query"])
                    for name, query in PAGES.items()
                }
                browser = log_in(server, reviewer)
                with CpuWatch(server.process.pid) as cpu:
                    results[size] = time_pages(server, browser, urls, requests, budget)
                if results[size][DEEP] == [float("inf")]:
                    deep = "(not fetched: the page ran out of time)"
                else:
                    deep = page_caption(browser, urls[DEEP])
                restarted = any(times == [float("inf")] for times in results[size].values())
                cpu_text = "CPU share not known: the server was restarted" if restarted else cpu.summary()
                browser.close()
                queries[size] = _inside(
                    server,
                    "count_queries",
                    password=reviewer.password,
                    totp_key=reviewer.totp_key,
                    urls=urls,
                    explain=size == max(sizes),
                    budget=budget,
                )
                for name, times in results[size].items():
                    q = queries[size][name]
                    if times == [float("inf")]:
                        figure(f"{size:,} tips: {name}", f"> {budget:.0f} s", "given up")
                    else:
                        figure(
                            f"{size:,} tips: {name}: median / p95",
                            f"{ms(statistics.median(times))} / {ms(percentile(times, 95))}",
                        )
                    if q["interrupted"]:
                        note(f"  in-process: a query interrupted after {budget:.0f} s ({q['count']} queries by then)")
                    else:
                        note(
                            f"  {q['count']} SQL queries, {q['sql_ms']:.1f} ms in SQL in-process; "
                            f"slowest {q['slowest_ms']:.1f} ms"
                        )
                note(f"  deep page (page {deep_page['page']}) shows: {deep}; {cpu_text}")
                side_by_side(size, deep_page["page"], results[size], queries[size])
        finally:
            server.close()
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        for name in PAGES:
            ratio = statistics.median(results[large][name]) / statistics.median(results[small][name])
            shown = f"{ratio:.2f}" if ratio != float("inf") else "unbounded (given up)"
            figure(f"ratio {large:,} / {small:,} tips: {name} (medians)", shown, f"<= {RATIO_GOAL}")
        note(f"Slowest query of each page at {large:,} tips, with its plan:")
        for name in PAGES:
            q = queries[large][name]
            note(f"  {name}: {q['slowest_ms']:.1f} ms: {q['slowest_sql'][:600]}")
            for line in q.get("plan", []):
                note(f"      {line}")
    return results


def side_by_side(size: int, page: int, times: dict[str, list[float]], queries: dict[str, dict]) -> None:
    """Print what page 1 and the deep page cost, next to each other: time (median) and queries."""
    cost = []
    for name in (FIRST, DEEP):
        median = ms(statistics.median(times[name])) if times[name] != [float("inf")] else "given up"
        cost.append(f"{median}, {queries[name]['count']} queries")
    figure(f"{size:,} tips: page 1 | page {page}", f"{cost[0]} | {cost[1]}", "the same")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000], help="tip counts, ascending")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page and size")
    parser.add_argument("--budget", type=float, default=10.0, help="give a page up after this many seconds")
    parser.add_argument("--inside", nargs=2, metavar=("COMMAND", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inside:
        import django

        django.setup()
        command, kwargs = args.inside
        print(json.dumps(INSIDE[command](**json.loads(kwargs))))
        return
    run(tuple(sorted(args.sizes)), args.requests, args.budget)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clarion.settings")
    main()
