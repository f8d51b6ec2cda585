"""Run the real Clarion server (`python -m clarion serve`: gunicorn plus the worker) in a subprocess.

Used by the tests that must look at what the running system leaves on disk and in its logs
(canary, no-address, crash) and by the browser tests and benchmarks. Each server gets its own
data folder and, under PostgreSQL, its own database, so it never shares state with the
pytest-django test database.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A Clarion server in a subprocess with its own data folder, database and log file."""

    def __init__(self, root: Path, *, settings: str = "tests.settings", env: dict[str, str] | None = None) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.tmp_dir = root / "tmp"  # the server's TMPDIR, so tests can inspect temporary files too
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = root / "server.log"
        self.port = free_port()
        self.pg_database: str | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "CLARION_DATA_DIR": str(self.data_dir),
            "CLARION_BIND": f"127.0.0.1:{self.port}",
            "TMPDIR": str(self.tmp_dir),
            "PYTHONPATH": str(REPO),
            **(env or {}),
        }
        base_url = os.environ.get("DATABASE_URL")
        if base_url:
            self.pg_database = f"clarion_live_{secrets.token_hex(4)}"
            self._pg_admin(f'CREATE DATABASE "{self.pg_database}"')
            self.env["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + self.pg_database
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> str:
        """Run `python -m clarion <args>` against this server's data; return its output."""
        result = subprocess.run(
            [sys.executable, "-m", "clarion", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        with open(self.log_path, "a") as log:
            log.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise RuntimeError(f"clarion {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self) -> str:
        """Migrate and load the demo content; return the demo command's output."""
        self.manage("migrate", "--noinput")
        return self.manage("demo")

    def start(self, timeout: float = 60) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()/kill()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "clarion", "serve"],
            env=self.env,
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.base_url + "/tip/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise RuntimeError("server did not start in time")

    def kill(self) -> None:
        """SIGKILL the whole server: gunicorn master, its workers and the task worker."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._close_log()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._close_log()

    def _close_log(self) -> None:
        if self._log:
            self._log.close()
            self._log = None

    def close(self) -> None:
        self.stop()
        if self.pg_database:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_database}" WITH (FORCE)')
            self.pg_database = None

    def _pg_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(sql)

    def database_bytes(self) -> bytes:
        """Return every byte the database holds: the SQLite files (with WAL), or a pg_dump."""
        if self.pg_database:
            url = self.env["DATABASE_URL"]
            dump = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, check=True, timeout=120)
            return dump.stdout
        return b"".join(path.read_bytes() for path in sorted(self.data_dir.glob("clarion.sqlite3*")))

    def data_files(self) -> Iterator[Path]:
        for folder in (self.data_dir, self.tmp_dir):
            yield from (path for path in folder.rglob("*") if path.is_file())

    def logs(self) -> bytes:
        return self.log_path.read_bytes()


def multipart_body(fields: Iterable[tuple[str, str]], files: Iterable[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """Encode form fields and files as multipart/form-data, as a browser does."""
    boundary = "----clarion" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class SourceClient:
    """A source's browser without JavaScript: cookies, forms, and nothing else."""

    def __init__(
        self, server: LiveServer, *, user_agent: str = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Firefox/128.0"
    ) -> None:
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.user_agent = user_agent

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(self.server.base_url + path, headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_token(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, "no CSRF token in the form"
        return match.group(1)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def post(
        self, path: str, fields: dict[str, str | list[str]], files: Iterable[tuple[str, str, bytes]] = ()
    ) -> tuple[int, str]:
        """Load the form at `path`, then post it with the given fields and files."""
        _, html = self.get(path)
        pairs = [("csrfmiddlewaretoken", self.csrf_token(html))]
        for name, value in fields.items():
            pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        body, content_type = multipart_body(pairs, files)
        request = urllib.request.Request(
            self.server.base_url + path,
            data=body,
            headers={
                "Content-Type": content_type,
                "User-Agent": self.user_agent,
                "Referer": self.server.base_url + path,
            },
        )
        try:
            with self.opener.open(request, timeout=300) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def question_fields(self, html: str) -> dict[str, str]:
        """Map each question's label to its field name on a channel form."""
        fields = {}
        for field_id, label in re.findall(r'<label for="id_(q\d+)">([^<]+?)(?: <span|</label>)', html):
            fields[label.strip()] = field_id
        for field_id, legend in re.findall(
            r'<fieldset[^>]*id="id_(q\d+)"[^>]*>\s*<legend>([^<]+?)(?: <span|</legend>)', html
        ):
            fields[legend.strip()] = field_id
        return fields


def receipt_from(html: str) -> str:
    block = re.search(r'<ol class="receipt-words" id="receipt">(.*?)</ol>', html, re.S)
    assert block, "no receipt on the page"
    return " ".join(re.findall(r"<li>([a-z-]+)</li>", block.group(1)))


def slow_upload(
    server: LiveServer,
    client: SourceClient,
    path: str,
    fields: dict[str, str],
    filename: str,
    total_bytes: int,
    chunk: int = 64 * 1024,
    pause: float = 0.0,
) -> http.client.HTTPConnection:
    """Start a multipart upload of `total_bytes` and return the open connection without finishing.

    The caller drives the rest with `conn.send`; used to kill the server mid-upload.
    """
    _, html = client.get(path)
    pairs = [("csrfmiddlewaretoken", client.csrf_token(html)), *fields.items()]
    head, content_type = multipart_body(pairs, [])
    boundary = content_type.split("boundary=")[1]
    head = head[: -len(f"--{boundary}--\r\n")]
    file_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(len(head) + len(file_head) + total_bytes + len(tail)))
    conn.putheader("Cookie", client.cookie_header())
    conn.endheaders()
    conn.send(head + file_head)
    sent = 0
    half = total_bytes // 2
    while sent < half:
        piece = min(chunk, half - sent)
        conn.send(os.urandom(piece))
        sent += piece
        if pause:
            time.sleep(pause)
    return conn
