"""The demo hook every app may offer: `python -m clarion demo` loads each app's part, in order.

An app with demo content has a module `demo` (e.g. `clarion/intake/demo.py`) with a function
`load(demo: Demo) -> None`. The `demo` command (clarion/web, below every feature app) finds these
modules through the installed apps, in INSTALLED_APPS order, so a lower app's content (the
organisation and its reviewer, in accounts) exists before a higher app's (channels, posts)
uses it. The command imports no app: each brings its own content.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from django.apps import apps
from django.core.management.base import OutputWrapper
from django.core.management.color import Style


class AlreadyLoaded(Exception):  # noqa: N818 - a state, not a failure
    """Raised by a hook that finds its content there already; its message is shown as is."""


@dataclass
class Demo:
    """What a hook may write to: output now, and notes printed once everything is loaded."""

    stdout: OutputWrapper
    stderr: OutputWrapper
    style: Style
    # Printed after "Demo content loaded.", in the order the hooks ran (credentials, addresses).
    notes: list[str] = field(default_factory=list)


def hooks() -> list[Callable[[Demo], None]]:
    """Return the `load` function of every installed app's `demo` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if importlib.util.find_spec(name) is None:
            continue
        module: ModuleType = importlib.import_module(name)
        found.append(module.load)
    return found
