"""Drive Debian's lynx, a text browser, as a person at a terminal would: keystrokes, nothing faked.

lynx reads keystrokes from a `-cmd_script` file (the format of its own `-cmd_log`), but it
still wants a terminal, so it runs under a pseudo-terminal. Form fields are reached by
moving down from the first link, counting with the numbers `lynx -dump -number_fields` gives
them; the page lynx ends on is saved through its own print menu ("Save to a local file").
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.tools import require_tool

TIMEOUT = 60


@dataclass(frozen=True)
class Fill:
    """Type `text` into the text field right after `label`."""

    label: str
    text: str


@dataclass(frozen=True)
class Choose:
    """Select the radio button or checkbox `option` of the question `question`."""

    question: str
    option: str


class Lynx:
    """A lynx with its own configuration (cookies accepted, as a source's browser does) and folder."""

    def __init__(self, folder: Path) -> None:
        self.binary = require_tool("lynx", "the text-browser tests drive Debian's lynx")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "lynx.cfg"
        self.config.write_text("INCLUDE:/etc/lynx/lynx.cfg\nACCEPT_ALL_COOKIES:TRUE\nSET_COOKIES:TRUE\n")
        self.runs = 0

    def dump(self, url: str) -> str:
        """Return the page as lynx renders it, form fields numbered: "[5]( ) Within weeks"."""
        result = subprocess.run(
            [self.binary, f"-cfg={self.config}", "-dump", "-number_fields", "-nolist", "-width=200", url],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
        return result.stdout

    def submit(self, url: str, actions: list[Fill | Choose], button: str) -> str:
        """Open `url`, fill and choose as told, press `button`; return the page that comes back."""
        page = self.dump(url)
        steps = sorted((_field_number(page, action), action) for action in actions)
        steps.append((_button_number(page, button), None))
        keys: list[str] = []
        current = 1  # lynx starts on the first link of the page
        for number, action in steps:
            keys += ["Down Arrow"] * (number - current)
            current = number
            if isinstance(action, Fill):
                keys += ["<space>" if char == " " else char for char in action.text]
            else:  # a radio button or checkbox toggles on Enter; the button submits
                keys.append("^J")
        self.runs += 1
        saved = self.folder / f"page-{self.runs}.txt"
        # p: print menu; Enter: "Save to a local file"; ^U clears the name lynx proposes.
        keys += ["p", "^J", "^U", *str(saved), "^J", "q", "y"]
        script = self.folder / f"keys-{self.runs}.txt"
        script.write_text("".join(f"key {key}\n" for key in keys))
        self._run_in_terminal([f"-cfg={self.config}", f"-cmd_script={script}", "-nopause", "-number_fields", url])
        assert saved.exists(), f"lynx saved no page; keystrokes in {script}"
        return saved.read_text()

    def _run_in_terminal(self, args: list[str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # pragma: no cover - the child becomes lynx
            os.environ["TERM"] = "vt100"
            os.execv(self.binary, [self.binary, *args])  # noqa: S606 - Debian's lynx, our arguments
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.5)
                if ready:
                    try:
                        if not os.read(fd, 65536):
                            break
                    except OSError:  # the terminal closed: lynx has quit
                        break
                elif os.waitpid(pid, os.WNOHANG)[0]:
                    return
            else:
                os.kill(pid, 9)
                raise AssertionError("lynx did not finish its keystrokes in time")
        finally:
            os.close(fd)
        os.waitpid(pid, 0)


def _field_number(page: str, action: Fill | Choose) -> int:
    if isinstance(action, Fill):
        start = page.index(action.label)
        match = re.search(r"\[(\d+)\]", page[start:])
    else:
        start = page.index(action.question)
        match = re.search(r"\[(\d+)\](?:\(.\)|\[.\]) " + re.escape(action.option), page[start:])
    assert match, f"no field for {action} on the page:\n{page}"
    return int(match.group(1))


def _button_number(page: str, button: str) -> int:
    match = re.search(r"\(\[(\d+)\]BUTTON\) " + re.escape(button), page)
    assert match, f"no button {button!r} on the page:\n{page}"
    return int(match.group(1))


def options_shown(page: str, question: str) -> list[tuple[str, bool]]:
    """Return the radio buttons lynx shows for `question`, in order, each with whether it is selected."""
    options: list[tuple[str, bool]] = []
    for line in page[page.index(question) :].splitlines()[1:]:
        match = re.fullmatch(r"\s*\[\d+\]\((.)\) (.+?)\s*", line)
        if match:
            options.append((match.group(2), match.group(1) == "*"))
        elif line.strip() and options:
            break  # the next question
    return options
