"""House rules from STYLE, checked on the source: each rule is a small `ast` detector.

Each detector is first shown a tiny violation it must catch (and, where a near miss is
allowed, that near miss), so that a rule cannot pass for finding nothing to look at.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "clarion"

Finding = tuple[int, str]
Detector = Callable[[ast.Module], list[Finding]]

# --- which modules answer requests ---------------------------------------------------------------


def _callbacks(patterns: list) -> Iterator[object]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback
            yield from pattern.default_args.values()  # e.g. the sitemaps given to Django's view


def _module_of(thing: object) -> str:
    """Return the module that defines a view (function or class), a feed or a sitemap."""
    if isinstance(thing, dict):  # {"posts": PostSitemap}
        return next((_module_of(value) for value in thing.values()), "")
    view_class = getattr(thing, "view_class", None)
    if view_class is not None:
        return view_class.__module__
    if isinstance(thing, type) or (callable(thing) and hasattr(thing, "__name__")):
        return getattr(thing, "__module__", "")
    return type(thing).__module__  # an instance, such as a Feed


def _path_of(module: str) -> Path:
    return Path(importlib.import_module(module).__file__ or "")


def request_facing_modules() -> list[Path]:
    """Return every module of ours that answers a request: views (found through the URLs), feeds,
    sitemaps, template tags, context processors and middleware."""
    modules = {_module_of(callback) for callback in _callbacks(get_resolver().url_patterns)}
    modules |= {name.rsplit(".", 1)[0] for name in settings.MIDDLEWARE}
    for template in settings.TEMPLATES:
        modules |= {name.rsplit(".", 1)[0] for name in template.get("OPTIONS", {}).get("context_processors", [])}
    paths = {_path_of(module) for module in modules if module.startswith("clarion.")}
    for pattern in ("**/feeds.py", "**/sitemaps.py", "**/templatetags/*.py", "**/views/*.py", "**/*views.py"):
        paths |= set(PACKAGE.glob(pattern))
    return sorted(paths)


def clarion_modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)


def _is_gatekeeper(path: Path) -> bool:
    return path.name == "access.py"


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO))


def _findings(paths: list[Path], detector: Detector, allowed: dict[str, str] | None = None) -> list[str]:
    allowed = allowed or {}
    found = []
    for path in paths:
        if _is_gatekeeper(path) or _relative(path) in allowed:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{_relative(path)}:{line}: {text}" for line, text in sorted(detector(tree))]
    return found


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _name(node: ast.AST) -> str:
    """Return the last name of `X` or `a.b.X`; empty for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


# --- 1. views never query what a gatekeeper guards -------------------------------------------------

#: Models whose rows are permission-scoped: a tip and what hangs off it, a post and its drafts and files.
GUARDED = {
    "Tip",
    "TipFile",
    "Message",
    "KeyWrap",
    "CaseFile",
    "Note",
    "Triage",
    "Closure",
    "ReadMarker",
    "Post",
    "Revision",
    "RevisionQuote",
    "EditorialComment",
    "TipLink",
    "Media",
    "PublishedMedia",
}
#: QuerySet methods of the model layer that scope rows to who asks (the gatekeepers' many-row form):
#: a view may start a query with them, e.g. `CaseFile.objects.for_reviewer(user)`, `Post.objects.listed()`.
SCOPES = {"for_reviewer", "public", "listed"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def direct_guarded_queries(tree: ast.Module) -> list[Finding]:
    """Find `<Guarded>.objects...` not opened by a scoping method, and `get_object_or_404(<Guarded>, ...)`."""
    parents = _parents(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS and _name(node.value) in GUARDED:
            method = parents.get(node)
            scoped = (
                isinstance(method, ast.Attribute)
                and method.attr in SCOPES
                and isinstance(parents.get(method), ast.Call)
                and parents[method].func is method
            )
            if not scoped:
                found.append((node.lineno, f"{_name(node.value)}.{node.attr} queried outside a gatekeeper"))
        elif isinstance(node, ast.Call) and _name(node.func) in SHORTCUTS and node.args:
            if _name(node.args[0]) in GUARDED:
                found.append((node.lineno, f"{_name(node.func)}({_name(node.args[0])}) outside a gatekeeper"))
    return found


def test_the_guarded_query_detector_catches_a_direct_query_and_lets_scoped_ones_through():
    caught = direct_guarded_queries(
        ast.parse(
            "tip = Tip.objects.filter(pk=1).first()\n"
            "cases = CaseFile.objects.all()\n"
            "post = get_object_or_404(Post, pk=1)\n"
            "item = models.Media._default_manager.first()\n"
            "cases = CaseFile.objects.for_reviewer(user).filter(important=True)\n"
            "posts = Post.objects.listed()\n"
            "channels = Channel.objects.all()\n"
        )
    )
    assert sorted(line for line, _ in caught) == [1, 2, 3, 4]


def test_views_reach_tips_posts_and_files_only_through_gatekeepers():
    modules = request_facing_modules()
    # The walk over the URLs found the views of every surface (a broken walk would check nothing).
    names = {_relative(path) for path in modules}
    assert {
        "clarion/casework/views.py",
        "clarion/intake/views.py",
        "clarion/publishing/views.py",
        "clarion/publishing/editorial.py",
        "clarion/publishing/feeds.py",
        "clarion/publishing/sitemaps.py",
    } <= names

    found = _findings(modules, direct_guarded_queries)

    assert found == [], "Views query guarded rows directly; use the app's access.py:\n" + "\n".join(found)


# --- 2. no `objects.get(` on tips outside the gatekeepers -----------------------------------------


def _chain_reaches_tip_manager(node: ast.AST) -> bool:
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS and _name(node.value) == "Tip":
                return True
            node = node.value
        else:
            return False


def tip_gets(tree: ast.Module) -> list[Finding]:
    """Find `Tip.objects....get(` (which raises DoesNotExist, not the gatekeeper's 404)."""
    return [
        (node.lineno, "Tip.objects...get( outside a gatekeeper")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and _chain_reaches_tip_manager(node.func.value)
    ]


def test_the_tip_get_detector_catches_a_get_through_a_chain():
    caught = tip_gets(
        ast.parse(
            "Tip.objects.get(pk=1)\n"
            'Tip.objects.select_related("channel").get(pk=1)\n'
            "Tip.objects.filter(pk=1).first()\n"
            "request.GET.get('page')\n"
        )
    )
    assert sorted(line for line, _ in caught) == [1, 2]


#: Files allowed a `Tip.objects...get(`, each with why.
TIP_GET_ALLOWED = {
    # The source's session is itself a gatekeeper: only the cookie's sealing key opens it, and
    # it names one tip. It may move into intake/access.py once the sealed-cookie helper lands.
    "clarion/intake/source_session.py": "the session loader is the source's gatekeeper",
}


def test_tips_are_fetched_one_by_one_only_by_gatekeepers():
    found = _findings(clarion_modules(), tip_gets, TIP_GET_ALLOWED)

    assert found == [], "Fetch a tip through a gatekeeper (access.py):\n" + "\n".join(found)


# --- 3. no print in clarion/ ----------------------------------------------------------------------


def prints(tree: ast.Module) -> list[Finding]:
    """Find calls of `print` (a management command writes to self.stdout; the rest logs)."""
    return [
        (node.lineno, "print(")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    ]


def test_the_print_detector_catches_a_print():
    caught = prints(ast.parse("print('hello')\nself.stdout.write('hello')\n"))
    assert sorted(line for line, _ in caught) == [1]


def test_clarion_never_prints():
    found = _findings(clarion_modules(), prints)

    assert found == [], "Write to self.stdout in commands, or log:\n" + "\n".join(found)


# --- 4. one clock: django.utils.timezone.now ------------------------------------------------------


def wall_clocks(tree: ast.Module) -> list[Finding]:
    """Find `time.time`, `datetime.now`/`utcnow`/`today` and `date.today`, called or passed around."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "time" and _name(node.value) == "time":
                found.append((node.lineno, "time.time"))
            elif node.attr in {"now", "utcnow", "today"} and _name(node.value) in {"datetime", "date"}:
                found.append((node.lineno, f"{_name(node.value)}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            if any(alias.name == "time" for alias in node.names):
                found.append((node.lineno, "from time import time"))
    return found


def test_the_clock_detector_catches_every_spelling_of_the_wall_clock():
    caught = wall_clocks(
        ast.parse(
            "started = time.time()\n"
            "now = time.time\n"
            "moment = datetime.now()\n"
            "moment = dt.datetime.utcnow()\n"
            "day = date.today()\n"
            "from time import time\n"
            "moment = timezone.now()\n"
            "elapsed = time.monotonic()\n"
        )
    )
    assert sorted(line for line, _ in caught) == [1, 2, 3, 4, 5, 6]


#: Files allowed the wall clock, each with why. Tests move one clock (`timezone.now`, through
#: time-machine); a module with its own clock escapes them.
CLOCK_ALLOWED = {
    # The vault imports no Django: its callers pass `now`, the OS clock is only the default.
    "clarion/vault/blobstore.py": "no Django in the vault",
    # Loaded by the gunicorn master before Django is set up; time-machine moves time.time too.
    "clarion/web/memory_key.py": "no Django in the gunicorn master",
}


def test_clarion_reads_the_time_from_one_clock():
    found = _findings(clarion_modules(), wall_clocks, CLOCK_ALLOWED)

    assert found == [], "Use django.utils.timezone.now (tests move it):\n" + "\n".join(found)
