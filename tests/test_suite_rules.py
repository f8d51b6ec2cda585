"""House rules of the test suite, read off its source: helpers come from `tests/support`, time from one clock.

- No test module imports another test module or a conftest: shared helpers live in
  `tests/support` (fixtures reach tests through pytest, never through an import).
- No test moves time by patching `django.utils.timezone.now`: tests move the one clock with
  time-machine (the `time_machine` fixture), which also moves `time.time()` and so TOTP.
- A test module that starts the real server itself is marked `live_server_process`, so that
  `make test-fast` leaves it out (tests using the `clarion_server` fixture are marked by
  tests/conftest.py).

Each rule is checked on a sample that breaks it, so that it cannot pass by finding nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ALLOWED_TEST_IMPORTS = ("tests.support", "tests.settings")


def suite_files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def imports_of_other_tests(source: str) -> list[str]:
    """Return the imports (anywhere in the module, functions included) of a test module or conftest."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            if (module == "tests" or module.startswith("tests.")) and not any(
                module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED_TEST_IMPORTS
            ):
                found.append((node.lineno, ast.unparse(node)))
    return [f"line {line}: {text}" for line, text in sorted(found)]


def _names_timezone_now(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.endswith("timezone.now")
    return isinstance(node, ast.Attribute) and node.attr == "now" and ast.unparse(node.value).endswith("timezone")


def patches_of_timezone_now(source: str) -> list[str]:
    """Return every place that replaces `timezone.now`: setattr/patch calls and assignments."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            args = node.args
            name = ast.unparse(node.func)
            by_object = (
                name.endswith("setattr")
                and len(args) >= 2
                and ast.unparse(args[0]).endswith("timezone")
                and isinstance(args[1], ast.Constant)
                and args[1].value == "now"
            )
            by_name = bool(args) and _names_timezone_now(args[0]) and ("patch" in name or name.endswith("setattr"))
            if by_object or by_name:
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Assign) and any(_names_timezone_now(target) for target in node.targets):
            found.append((node.lineno, ast.unparse(node)))
    return [f"line {line}: {text}" for line, text in sorted(found)]


def starts_a_server_unmarked(source: str) -> bool:
    """Say whether a test module starts the real server itself without the `live_server_process` mark."""
    starts = any(
        isinstance(node, ast.Call) and ast.unparse(node.func) in {"running", "LiveServer"}
        for node in ast.walk(ast.parse(source))
    )
    return starts and "live_server_process" not in source


def test_no_test_imports_another_test_module_or_a_conftest() -> None:
    broken = {
        str(path.relative_to(TESTS.parent)): found
        for path in suite_files()
        if (found := imports_of_other_tests(path.read_text()))
    }
    assert not broken, f"move what these import into tests/support: {broken}"


def test_the_import_rule_catches_an_import_of_a_conftest_or_test_module_even_inside_a_function() -> None:
    source = (
        "from tests.support.tips import send_tip\n"
        "import tests.settings\n"
        "def helper():\n"
        "    from tests.casework.conftest import send_tip\n"
        "    import tests.intake.test_no_traces\n"
        "from tests.conftest import require_tool\n"
    )
    assert imports_of_other_tests(source) == [
        "line 4: from tests.casework.conftest import send_tip",
        "line 5: import tests.intake.test_no_traces",
        "line 6: from tests.conftest import require_tool",
    ]


def test_no_test_patches_timezone_now() -> None:
    broken = {
        str(path.relative_to(TESTS.parent)): found
        for path in suite_files()
        if path.name != "test_suite_rules.py" and (found := patches_of_timezone_now(path.read_text()))
    }
    assert not broken, f"move the clock with the time_machine fixture instead: {broken}"


def test_the_clock_rule_catches_every_way_of_patching_timezone_now() -> None:
    source = (
        "monkeypatch.setattr(timezone, 'now', lambda: when)\n"
        "monkeypatch.setattr('django.utils.timezone.now', lambda: when)\n"
        "mock.patch('django.utils.timezone.now', return_value=when)\n"
        "timezone.now = lambda: when\n"
        "time_machine.move_to(when)\n"
        "monkeypatch.setattr(caching, 'GENERATION_RECHECK_SECONDS', 0.0)\n"
    )
    assert [line.split(":")[0] for line in patches_of_timezone_now(source)] == ["line 1", "line 2", "line 3", "line 4"]


def test_every_module_that_starts_the_real_server_is_marked() -> None:
    unmarked = [
        str(path.relative_to(TESTS.parent))
        for path in suite_files()
        if path.name.startswith("test_") and starts_a_server_unmarked(path.read_text())
    ]
    assert not unmarked, f"mark them pytest.mark.live_server_process: {unmarked}"


def test_the_marker_rule_catches_an_unmarked_server() -> None:
    server = "def test_it(tmp_path):\n    with running(LiveServer(tmp_path)) as server:\n        pass\n"
    assert starts_a_server_unmarked(server)
    assert not starts_a_server_unmarked("import pytest\npytestmark = pytest.mark.live_server_process\n" + server)
    assert not starts_a_server_unmarked("def test_it(clarion_server):\n    pass\n")


def test_the_kept_test_database_is_named_by_every_migration_file(monkeypatch):
    """A changed migration never reuses a database migrated before it (tests/support/database_template.py)."""
    from clarion.casework import migrations
    from tests.support.database_template import migrations_fingerprint

    before = migrations_fingerprint()
    edited = Path(migrations.__file__).parent / "0001_initial.py"
    read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read(path) + (b"\n# edited" if path == edited else b""))

    assert migrations_fingerprint() != before


def test_modules_run_longest_first_within_pytest_djangos_database_order(pytester):
    """Rolled-back tests still come before transactional ones, which empty seeded tables."""
    pytester.makeconftest(
        "from tests.support import longest_first\n"
        "def pytest_collection_modifyitems(items):\n"
        "    durations = {'test_short.py': 1.0, 'test_long.py': 9.0, 'test_tx.py': 99.0}\n"
        "    items[:] = longest_first.order(items, durations)\n"
    )
    pytester.makepyfile(
        test_short="import pytest\n@pytest.mark.django_db\ndef test_a(): pass\n",
        test_long="import pytest\n@pytest.mark.django_db\ndef test_b(): pass\ndef test_c(): pass\n",
        test_tx="import pytest\n@pytest.mark.django_db(transaction=True)\ndef test_d(): pass\n",
    )
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:django")

    listed = [line for line in result.outlines if "::" in line]
    assert listed == ["test_long.py::test_b", "test_short.py::test_a", "test_tx.py::test_d", "test_long.py::test_c"]
