"""Run Debian's nginx with deploy/nginx/ in front of a Clarion server, as an operator installs it.

`Nginx(root, upstream_port=...)` renders deploy/nginx/clarion.conf and clarion-locations.conf
with a self-signed certificate and free ports on 127.0.0.1 into `root`, under a main
configuration that is Debian's /etc/nginx/nginx.conf with its paths moved into `root` (TLS 1.0
and 1.1 allowed for the whole http block, an access log, an error log at `error`: what the
site configuration must override). nginx runs as this user, in the foreground.

It also serves, on a port of its own over the same TLS, a static copy of a page
(`static_port`, `/static-copy.html`): the baseline of bench.nginx (P4b).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import psutil

from tests.support.live import REPO, SourceClient, free_port

NGINX = "/usr/sbin/nginx"
DEPLOY = REPO / "deploy" / "nginx"
SERVER_NAME = "localhost"
C = TypeVar("C", bound=SourceClient)
ONION_ADDRESS = "clarionexampleonionaddressforteststhatisfiftysixcharsxyz.onion"

_MAIN = """\
# Debian's /etc/nginx/nginx.conf (nginx-light), its paths moved into the test's folder.
{user}
worker_processes 2;
error_log {root}/logs/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {{
    worker_connections 768;
}}

http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE
    ssl_prefer_server_ciphers on;
    access_log {root}/logs/access.log;
    gzip on;

    client_body_temp_path {root}/temp/body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;

    include sites-enabled/*;

    # Not part of Clarion's configuration: the static file of bench.nginx's baseline.
    server {{
        listen 127.0.0.1:{static_port} ssl http2;
        listen [::1]:{static_port} ssl http2;
        server_name {server_name};
        ssl_certificate {root}/tls/cert.pem;
        ssl_certificate_key {root}/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        access_log off;
        root {root}/html;
    }}
}}
"""


def render(template: str, values: dict[str, str]) -> str:
    """Replace every {{placeholder}} in `template`; fail on one without a value."""
    text = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], template)
    assert not re.search(r"\{\{\w+\}\}", text), text
    return text


def self_signed_certificate(folder: Path, name: str = SERVER_NAME) -> tuple[Path, Path]:
    """Make a certificate for `name` with openssl; return (certificate, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"]
        + ["-addext", f"subjectAltName=DNS:{name}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class Nginx:
    """Debian's nginx in the foreground with Clarion's site configuration, in `root`."""

    def __init__(self, root: Path, *, upstream_port: int) -> None:
        self.root = root
        self.conf_dir = root / "conf"
        self.https_port, self.http_port, self.onion_port, self.static_port = (free_port() for _ in range(4))
        self.log_dir = root / "logs"
        self.cache_dir = root / "cache"
        for folder in (self.conf_dir / "sites-enabled", self.conf_dir / "snippets", self.log_dir, root / "temp"):
            folder.mkdir(parents=True, exist_ok=True)
        (root / "html").mkdir(exist_ok=True)
        # Debian's module lines name `modules/…` under nginx's prefix (/usr/share/nginx/modules there).
        if not (root / "modules").exists():
            (root / "modules").symlink_to("/usr/lib/nginx/modules")
        self.cert, key = self_signed_certificate(root / "tls")
        self.values = {
            "cache_dir": str(self.cache_dir),
            "gunicorn": f"127.0.0.1:{upstream_port}",
            "http_listen": f"127.0.0.1:{self.http_port}",
            "http_port": str(self.http_port),
            "https_listen": f"127.0.0.1:{self.https_port}",
            "https_port": str(self.https_port),
            "onion_listen": f"127.0.0.1:{self.onion_port}",
            "onion_address": ONION_ADDRESS,
            "server_name": SERVER_NAME,
            "site_url": self.site_url,
            "certificate": str(self.cert),
            "certificate_key": str(key),
            "log_dir": str(self.log_dir),
            "acme_dir": str(root / "acme"),
        }
        site = render((DEPLOY / "clarion.conf").read_text(), self.values)
        # The IPv6 listeners on the loopback only, not on every address of the machine.
        site = site.replace("listen [::]:", "listen [::1]:")
        (self.conf_dir / "sites-enabled" / "clarion").write_text(site)
        locations = render((DEPLOY / "clarion-locations.conf").read_text(), self.values)
        (self.conf_dir / "snippets" / "clarion-locations.conf").write_text(locations)
        # Started by root (a container, CI), nginx's workers would run as `nobody`, who cannot
        # enter the test's private folder: they run as the test's user instead.
        user = "user root;" if os.geteuid() == 0 else ""
        main = _MAIN.format(root=root, static_port=self.static_port, server_name=SERVER_NAME, user=user)
        self.conf = self.conf_dir / "nginx.conf"
        self.conf.write_text(main)
        self.stderr_path = root / "nginx.stderr"
        self.process: subprocess.Popen | None = None

    @property
    def site_url(self) -> str:
        return f"https://{SERVER_NAME}:{self.https_port}"

    def command(self, *extra: str) -> list[str]:
        return [NGINX, "-p", str(self.root), "-c", str(self.conf), *extra]

    def check(self) -> str:
        """Run `nginx -t` on the configuration; return its output (it fails on an error)."""
        result = subprocess.run(
            self.command("-t", "-g", f"pid {self.root / 'nginx-t.pid'};"), capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stderr

    def start(self, timeout: float = 20) -> None:
        stderr = open(self.stderr_path, "ab")  # noqa: SIM115 - handed to the process, closed with it
        with stderr:
            self.process = subprocess.Popen(
                self.command("-g", f"daemon off; pid {self.root / 'nginx.pid'};"),
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.stderr_path.read_text(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                return
            time.sleep(0.1)
        raise RuntimeError("nginx did not start in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)

    def tls_context(self) -> ssl.SSLContext:
        """Return a client context that trusts the test certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.cert))

    def https(self, *, source_address: str | None = None, timeout: float = 30) -> http.client.HTTPSConnection:
        """Return a connection to the HTTPS server on 127.0.0.1 (from `source_address` if given), by its name."""
        source = (source_address, 0) if source_address else None
        return _LoopbackHTTPS(
            SERVER_NAME, self.https_port, context=self.tls_context(), timeout=timeout, source_address=source
        )

    def get(
        self, path: str, *, headers: dict[str, str] | None = None, source_address: str | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """GET `path` over HTTPS; return the status, headers and body."""
        conn = self.https(source_address=source_address)
        try:
            conn.request("GET", path, headers={"Host": f"{SERVER_NAME}:{self.https_port}", **(headers or {})})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def log_bytes(self) -> bytes:
        """Return everything nginx wrote anywhere under its folder's logs, and on its stderr."""
        found = b""
        for path in [*sorted(self.log_dir.rglob("*")), self.stderr_path]:
            if path.is_file():
                found += path.read_bytes()
        return found

    def temporary_files(self) -> list[str]:
        """Return every file in nginx's temporary folders (request bodies, proxied responses).

        nginx unlinks such a file as soon as it has opened it, so that it never outlives the
        request: its bytes are on the disk all the same. Listed from the folders and from the
        files nginx's processes hold open.
        """
        temp = self.root / "temp"
        found = [str(path) for path in temp.rglob("*") if path.is_file()]
        assert self.process is not None
        master = psutil.Process(self.process.pid)
        for process in [master, *master.children(recursive=True)]:
            fds = Path(f"/proc/{process.pid}/fd")
            for fd in fds.iterdir() if fds.exists() else ():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)  # "<path> (deleted)" once unlinked
                    if target.startswith(str(temp)):
                        found.append(target)
        return found


class _LoopbackHTTPS(http.client.HTTPSConnection):
    """Connect to the IPv4 loopback whatever the name resolves to; check the certificate by the name."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@contextlib.contextmanager
def running_nginx(root: Path, *, upstream_port: int) -> Iterator[Nginx]:
    """Start nginx in front of the server on `upstream_port`; stop it whatever happens."""
    server = Nginx(root, upstream_port=upstream_port)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def nginx_available() -> bool:
    return shutil.which(NGINX) is not None


class HttpsEntrance:
    """What a `SourceClient` needs of a server, for a client that reaches it through nginx over HTTPS."""

    def __init__(self, nginx: Nginx) -> None:
        self.base_url = nginx.site_url
        self.port = nginx.https_port


def over_https(client_class: type[C], nginx: Nginx) -> C:
    """Return a client (`SourceClient`, `StaffClient`) whose every request goes through nginx over TLS.

    It trusts the test certificate alone and checks it against the site's name, as a browser would,
    and posts forms with `Origin: null`, as browsers do under the site's `Referrer-Policy:
    no-referrer` (clarion/web/csrf.py): its Referer names the test's port, which nginx's `Host
    $host` leaves out.
    """
    client = client_class(HttpsEntrance(nginx))  # type: ignore[arg-type]
    client.headers["Origin"] = "null"
    client.opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(client.jar), urllib.request.HTTPSHandler(context=nginx.tls_context())
    )
    return client
