"""Run the real Clarion server (`python -m clarion serve`: gunicorn plus the worker) in a subprocess.

Used by the tests that must look at what the running system leaves on disk and in its logs
(canary, no-address, crash) and by the browser tests and benchmarks. Each server gets its own
data folder and, under PostgreSQL, its own database, so it never shares state with the
pytest-django test database.

Preparing a server (migrations, demo content) costs several seconds, so the first `prepare()`
of a test process with a given environment does it once into a template that later servers copy:
its data folder, and under PostgreSQL its database (`CREATE DATABASE ... TEMPLATE`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import http.client
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path

import psycopg

from clarion.web import memory_key

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clear_of_key_rotation(seconds: float) -> None:
    """Wait, if the in-memory key rotates within `seconds`, until it has rotated.

    Counts keyed by an address or a user name restart when the key moves on (every
    ROTATE_SECONDS of wall-clock time, clarion/web/memory_key.py): a test that fills a counter
    and checks it later must not straddle that moment, which happens at the same wall-clock
    instant in the server and in the test.
    """
    now = time.time()
    next_rotation = (memory_key.epoch_at(now) + 1) * memory_key.ROTATE_SECONDS
    if next_rotation - now < seconds:
        time.sleep(next_rotation - now + 1)


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
        """Migrate and load the demo content; return the demo command's output.

        The work is done once per test process and environment, into a template this server copies
        (so servers of one process share the demo reviewer's password and the generated keys).
        """
        template = _prepared_template(self.env)
        shutil.copytree(template.server.data_dir, self.data_dir, dirs_exist_ok=True)
        if self.pg_database:
            self._pg_admin(f'DROP DATABASE "{self.pg_database}"')
            deadline = time.monotonic() + 10
            while True:
                try:
                    self._pg_admin(f'CREATE DATABASE "{self.pg_database}" TEMPLATE "{template.server.pg_database}"')
                    break
                except psycopg.errors.ObjectInUse:
                    # The template's last client (a finished `manage` process) may still be disconnecting.
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        with open(self.log_path, "a") as log:
            log.write(template.demo_output)
        return template.demo_output

    def start(self, timeout: float = 60, *, answers: Callable[[], bool] | None = None) -> None:
        """Start the server; return once it answers.

        `answers` says whether it does (by default: /tip/ on its own port answers 200). A server
        set up for production accepts only its public name, over HTTPS: such a test asks through
        nginx instead.
        """
        self._log = open(self.log_path, "ab")  # closed in stop()/kill()
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
                if answers is not None:
                    if answers():
                        return
                else:
                    with urllib.request.urlopen(self.base_url + "/tip/", timeout=2) as response:
                        if response.status == 200:
                            return
            except (urllib.error.URLError, ConnectionError, OSError, http.client.HTTPException):
                pass
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

    def empty_database(self) -> None:
        """Under PostgreSQL, drop this server's database and create it again, empty: a lost server's."""
        if self.pg_database:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_database}" WITH (FORCE)')
            self._pg_admin(f'CREATE DATABASE "{self.pg_database}"')

    def _pg_admin(self, sql: str) -> None:
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(sql)

    def database_bytes(self) -> bytes:
        """Return every byte the database holds: the SQLite files (with WAL), or a pg_dump."""
        if self.pg_database:
            url = self.env["DATABASE_URL"]
            dump = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, check=True, timeout=120)
            return dump.stdout
        return b"".join(path.read_bytes() for path in sorted(self.data_dir.glob("clarion.sqlite3*")))

    def query(self, sql: str) -> list[tuple]:
        """Run one read-only SQL statement against this server's database; return its rows.

        SQLite is opened read-only, so this connection never checkpoints or removes the WAL
        that a test may want to inspect.
        """
        if self.pg_database:
            with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
                return conn.execute(sql).fetchall()
        uri = f"file:{self.data_dir / 'clarion.sqlite3'}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as conn:
            return conn.execute(sql).fetchall()

    def data_files(self) -> Iterator[Path]:
        for folder in (self.data_dir, self.tmp_dir):
            yield from (path for path in folder.rglob("*") if path.is_file())

    def logs(self) -> bytes:
        return self.log_path.read_bytes()

    def blob_names(self) -> set[str]:
        """Return the names of every file in the blob store, temporaries included."""
        folder = self.data_dir / "blobs"
        return {path.name for path in folder.iterdir()} if folder.exists() else set()


@contextlib.contextmanager
def running(server: LiveServer) -> Iterator[LiveServer]:
    """Prepare and start `server`, and close it (and its database) whatever happens."""
    try:
        server.prepare()
        server.start()
        yield server
    finally:
        server.close()


# What differs between servers of one process; everything else in the environment must match
# for a server to start from the same template.
_PER_SERVER = {"CLARION_DATA_DIR", "CLARION_BIND", "TMPDIR", "DATABASE_URL"}


class _Template:
    """A migrated server folder (and database) with the demo content, for `LiveServer.prepare` to copy."""

    def __init__(self, env: dict[str, str]) -> None:
        root = Path(tempfile.mkdtemp(prefix="clarion-live-template-"))
        self.server = LiveServer(root, settings=env["DJANGO_SETTINGS_MODULE"], env=env)
        try:
            self.server.manage("migrate", "--noinput")
            self.demo_output = self.server.manage("demo")
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        self.server.close()
        shutil.rmtree(self.server.root, ignore_errors=True)


_TEMPLATES: dict[tuple, _Template] = {}


def _prepared_template(server_env: dict[str, str]) -> _Template:
    env = {name: value for name, value in server_env.items() if name not in _PER_SERVER}
    key = (tuple(sorted(env.items())), os.environ.get("DATABASE_URL"))
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _Template(env)
    return _TEMPLATES[key]


@atexit.register
def _remove_templates() -> None:
    while _TEMPLATES:
        _TEMPLATES.popitem()[1].remove()


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


class _BoundHTTPHandler(urllib.request.HTTPHandler):
    """Open every connection from a chosen local address, and note the address actually used."""

    def __init__(self, source_address: str, used: set[str]) -> None:
        super().__init__()
        self.source_address = source_address
        self.used = used

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        used = self.used

        class Connection(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                used.add(self.sock.getsockname()[0])

        return self.do_open(functools.partial(Connection, source_address=(self.source_address, 0)), req)


class SourceClient:
    """A source's browser without JavaScript: cookies, forms, and nothing else.

    `source_address` makes every connection leave from that local address (any 127.x.y.z on
    Linux), so a test can look for a distinctive client address in what the server keeps;
    `local_addresses` then records the addresses really used. `headers` are sent with every
    request and win over the client's own (User-Agent, Referer).
    """

    def __init__(
        self,
        server: LiveServer,
        *,
        user_agent: str = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Firefox/128.0",
        source_address: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.source_address = source_address
        self.local_addresses: set[str] = set()
        handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if source_address:
            handlers.append(_BoundHTTPHandler(source_address, self.local_addresses))
        self.opener = urllib.request.build_opener(*handlers)
        self.user_agent = user_agent
        self.headers = dict(headers or {})

    def request_headers(self, **extra: str) -> dict[str, str]:
        """Return the headers of one request: the user agent, `extra`, then the client's own."""
        return {"User-Agent": self.user_agent, **extra, **self.headers}

    def connection(self, timeout: float = 60) -> http.client.HTTPConnection:
        """Return a raw connection to the server, from the client's source address if it has one."""
        source = (self.source_address, 0) if self.source_address else None
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout, source_address=source)

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(self.server.base_url + path, headers=self.request_headers())
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_token(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, "no CSRF token in the form"
        return match.group(1)

    def form_tokens(self, html: str) -> list[tuple[str, str]]:
        """Return the tokens a form page carries: its CSRF token, or a channel form's one-time token (no cookie)."""
        tokens = []
        match = re.search(r'name="form_token" value="([^"]+)"', html)
        if match:
            tokens.append(("form_token", match.group(1)))
        else:
            tokens.append(("csrfmiddlewaretoken", self.csrf_token(html)))
        return tokens

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def post(
        self,
        path: str,
        fields: dict[str, str | list[str]],
        files: Iterable[tuple[str, str, bytes]] = (),
        *,
        form_page: str | None = None,
    ) -> tuple[int, str]:
        """Load the form at `path` (or at `form_page`, which holds it), then post it with the given fields and files."""
        _, html = self.get(form_page or path)
        pairs = self.form_tokens(html)
        for name, value in fields.items():
            pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        body, content_type = multipart_body(pairs, files)
        request = urllib.request.Request(
            self.server.base_url + path,
            data=body,
            headers=self.request_headers(
                **{"Content-Type": content_type, "Referer": self.server.base_url + (form_page or path)}
            ),
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
    """Read the seven receipt words off the receipt page."""
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
    opening, closing, content_type = multipart_file_parts([*client.form_tokens(html), *fields.items()], filename)
    conn = open_post(client, path, content_type, len(opening) + total_bytes + len(closing))
    conn.send(opening)
    sent = 0
    half = total_bytes // 2
    while sent < half:
        piece = min(chunk, half - sent)
        conn.send(os.urandom(piece))
        sent += piece
        if pause:
            time.sleep(pause)
    return conn


def multipart_file_parts(
    fields: Iterable[tuple[str, str]], filename: str, name: str = "attachments"
) -> tuple[bytes, bytes, str]:
    """Return what a multipart body holds around one file's bytes: the bytes before, the bytes after, its type.

    Before: the form fields and the file part's head; after: the closing boundary. For bodies
    too large to hold in memory, sent piece by piece through `open_post`.
    """
    head, content_type = multipart_body(fields, [])
    boundary = content_type.split("boundary=")[1]
    head = head[: -len(f"--{boundary}--\r\n")]
    file_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + file_head, f"\r\n--{boundary}--\r\n".encode(), content_type


def open_post(
    client: SourceClient, path: str, content_type: str, content_length: int, *, timeout: float = 60
) -> http.client.HTTPConnection:
    """Send the head of a POST with the client's cookies and headers; return the connection for the body."""
    conn = client.connection(timeout)
    conn.putrequest("POST", path)
    for name, value in client.request_headers(**{"Content-Type": content_type}).items():
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(content_length))
    conn.putheader("Cookie", client.cookie_header())
    conn.endheaders()
    return conn
