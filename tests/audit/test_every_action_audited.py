"""Every `do_*` action in clarion/ writes the audit log, or says here why it does not.

An action is the one write path for a change (STYLE: check, change, audit). One that writes
nothing to the log lets a change go unseen: this test reads the source of every module and
fails on a `do_*` function that never calls `clarion.audit.log.record` and is not exempt
below, each exemption with its reason. A stale exemption fails too, so the list stays short.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import clarion

AUDIT_LOG = "clarion.audit.log"

EXEMPT = {
    "clarion.intake.actions.do_submit_tip": (
        "The tip's arrival is recorded as tip.received by casework's do_open_case_file, which the "
        "tip_submitted signal runs inside this transaction (intake may not import casework)."
    ),
    "clarion.intake.actions.do_take_receipt": (
        "A source's own step, before any staff member is involved. The log outlives a destroyed tip, "
        "so it keeps no trace of when a source did what."
    ),
    "clarion.intake.actions.do_send_source_message": (
        "A source's own message: its time lives in the tip (the message row, last activity) and is "
        "destroyed with it; the log, which outlives the tip, keeps no trace of a source's activity."
    ),
    "clarion.intake.actions.do_add_message": (
        "The conversation's one write path, shared by both sides: the reviewer's do_send_reviewer_message "
        "records message.sent; a source's message is not logged (see do_send_source_message)."
    ),
    "clarion.publishing.actions.workflow.do_approve_post": (
        "Records post.approve through its helper _approve, and post.redaction_check through do_run_redaction_check."
    ),
    "clarion.publishing.actions.workflow.do_publish_due_posts": (
        "Records post.publish (by the system) through _publish, which an approval for now shares."
    ),
    "clarion.publishing.actions.drafts.do_purge_revision": (
        "Records post.purge_revision through _purge, which the purge of a destroyed tip's quotes "
        "(purge_quotes_of) shares."
    ),
}


@dataclass(frozen=True)
class Action:
    qualname: str  # module.function
    records: bool


def _audit_log_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Return the names under which a module imported `record` itself, and the audit log module."""
    functions: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == AUDIT_LOG:
            functions |= {alias.asname or alias.name for alias in node.names if alias.name == "record"}
        elif isinstance(node, ast.ImportFrom) and node.module == "clarion.audit":
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "log"}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname for alias in node.names if alias.name == AUDIT_LOG and alias.asname}
    return functions, modules


def _calls_record(function: ast.AST, functions: set[str], modules: set[str]) -> bool:
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if isinstance(callee, ast.Name) and callee.id in functions:
            return True
        if (
            isinstance(callee, ast.Attribute)
            and callee.attr == "record"
            and isinstance(callee.value, ast.Name)
            and callee.value.id in modules
        ):
            return True
    return False


def actions_in(source: str, module: str) -> list[Action]:
    """Return the `do_*` functions defined in `source`, each with whether it calls the audit log's record."""
    tree = ast.parse(source)
    functions, modules = _audit_log_names(tree)
    return [
        Action(f"{module}.{node.name}", _calls_record(node, functions, modules))
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("do_")
    ]


def every_action() -> list[Action]:
    found: list[Action] = []
    for info in pkgutil.walk_packages(clarion.__path__, "clarion."):
        if ".migrations" in info.name:
            continue
        spec = importlib.util.find_spec(info.name)
        assert spec is not None and spec.origin is not None, info.name
        found += actions_in(Path(spec.origin).read_text(encoding="utf-8"), info.name)
    return found


def test_every_action_that_changes_something_records_it_in_the_audit_log():
    actions = every_action()

    silent = [action.qualname for action in actions if not action.records and action.qualname not in EXEMPT]

    assert silent == [], f"These actions write nothing to the audit log: {silent}"


def test_the_walk_finds_the_actions_of_every_app():
    names = {action.qualname for action in every_action()}

    for known in (
        "clarion.accounts.actions.do_set_roles",
        "clarion.intake.actions.do_submit_tip",
        "clarion.casework.actions.do_share_tip",
        "clarion.publishing.actions.review.do_keep_flagged",
        "clarion.publishing.actions.drafts.do_redact_flagged",
    ):
        assert known in names
    assert len(names) >= 40


def test_each_exemption_names_an_action_that_still_writes_nothing():
    silent = {action.qualname for action in every_action() if not action.records}

    assert set(EXEMPT) <= silent, f"Stale exemptions: {sorted(set(EXEMPT) - silent)}"
    assert all(len(reason) > 40 for reason in EXEMPT.values())


SYNTHETIC = """
from clarion.audit.log import record
from clarion.audit import log
from elsewhere import thing

def do_write_nothing(*, actor):
    thing.save()

def do_write_and_record(*, actor):
    thing.save()
    record(actor=actor, action="thing.saved")

def do_write_and_record_through_the_module(*, actor):
    thing.save()
    log.record(actor=actor, action="thing.saved")

def do_call_some_other_record(*, actor):
    thing.record(actor=actor)

def helper_that_is_not_an_action():
    thing.save()
"""


def test_the_detector_tells_a_silent_action_from_an_audited_one():
    found = {action.qualname: action.records for action in actions_in(SYNTHETIC, "synthetic")}

    assert found == {
        "synthetic.do_write_nothing": False,
        "synthetic.do_write_and_record": True,
        "synthetic.do_write_and_record_through_the_module": True,
        "synthetic.do_call_some_other_record": False,
    }


def test_a_record_imported_from_somewhere_else_does_not_count():
    source = "from elsewhere import record\n\ndef do_thing(*, actor):\n    record(actor=actor)\n"

    assert actions_in(source, "synthetic") == [Action("synthetic.do_thing", records=False)]
