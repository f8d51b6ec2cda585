"""Read Clarion's configuration from the environment, through one helper.

Every variable Clarion reads is declared here once, with its default and meaning;
`python -m clarion config` prints them all (`describe()`), so the list and the code cannot drift apart.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    help: str


VARIABLES: dict[str, Variable] = {}


def _declare(name: str, default: str | None, help: str) -> None:
    VARIABLES[name] = Variable(name, default, help)


_declare(
    "CLARION_DATA_DIR", "./data", "Folder for the SQLite database, encrypted blobs and generated keys (mode 0700)."
)
_declare("DATABASE_URL", None, "PostgreSQL URL (postgres://user@host:5432/name). Unset: SQLite in the data folder.")
_declare(
    "CACHE_URL",
    None,
    "Redis URL (redis://127.0.0.1:6379/0) for the page cache. Unset: local memory. (Rate limits: the database.)",
)
_declare("DJANGO_SECRET_KEY", None, "Django's secret key. Unset: generated into the data folder on first start.")
_declare("CLARION_DEBUG", "false", "Django debug pages. Never on a server that sources can reach.")
_declare("CLARION_ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names the site answers to.")
_declare("CLARION_HTTPS", "false", "Served over HTTPS (or an onion service): Secure __Host- cookies and HSTS.")
_declare(
    "CLARION_ONION_ADDRESS", None, "The site's onion address (xyz.onion): shown to sources and sent as Onion-Location."
)
_declare("CLARION_BIND", "127.0.0.1:8000", "Address gunicorn listens on.")
_declare(
    "CLARION_BEHIND_PROXY",
    "false",
    "A proxy on this machine (deploy/nginx) passes each client's address in X-Real-IP: per-address limits count by it.",
)
_declare("CLARION_WEB_WORKERS", "3", "gunicorn worker processes (bench/tips.py: 3 beats 2 on 2 cores).")
_declare("CLARION_WEB_THREADS", "8", "Threads per gunicorn worker (slow uploads over Tor hold a thread each).")
_declare("CLARION_MAX_FILES", "10", "Default limit of files per submission for new channels.")
_declare("CLARION_MAX_FILE_BYTES", str(2 * 1024**3), "Default limit of one file's size, in bytes, for new channels.")
_declare("CLARION_MAX_SUBMISSION_BYTES", str(2 * 1024**3), "Default limit of a submission's total file size, in bytes.")
_declare("CLARION_SWEEP_GRACE_SECONDS", "3600", "Age after which an unreferenced blob or stalled upload is swept.")
_declare(
    "EMAIL_URL",
    None,
    "SMTP server for notifications, over TLS: smtp://user:password@host:587?tls=true (STARTTLS) or "
    "smtps://user:password@host:465. Unset: the console.",
)
_declare(
    "CLARION_ALLOW_PLAINTEXT",
    None,
    "Links allowed without TLS, comma-separated: email, database, cache. Unset: Clarion refuses to start with an "
    "EMAIL_URL without TLS, or a DATABASE_URL or CACHE_URL without TLS to another host than this machine.",
)
_declare("CLARION_EMAIL_FROM", "clarion@localhost", "Sender address of notification emails.")
_declare(
    "CLARION_SITE_URL",
    None,
    "The site's public address (https://tips.example.org), used wherever a full URL is written: notification "
    "emails' links, Open Graph, JSON-LD, feeds, the sitemap, robots.txt, security.txt, rel=canonical. Unset: "
    "each follows the address the request came to (checked against CLARION_ALLOWED_HOSTS). Set it in production.",
)
_declare(
    "CLARION_SOURCE_SESSION_SECONDS", "7200", "Idle timeout of a source's session after logging in with a receipt."
)
_declare(
    "CLARION_SOURCE_POSTS_PER_ADDRESS",
    "10",
    "Tips and source messages one client address may send per 10 minutes (a keyed hash counts them).",
)
_declare(
    "CLARION_SOURCE_POSTS_PER_SITE",
    "200",
    "Tips and source messages the whole site accepts per 10 minutes (over Tor every source shares one address).",
)
_declare(
    "CLARION_CHANNEL_DAILY_BYTES",
    str(20 * 1024**3),
    "Default for new channels: bytes of files a channel accepts per 24 hours, bounding disk use.",
)
_declare(
    "CLARION_HASHING_SLOTS",
    "2",
    "Argon2id hashes (staff passwords, receipts) run at once on this host, across all workers.",
)


def _raw(name: str) -> str | None:
    if name not in VARIABLES:
        raise ConfigError(f"{name} is not a declared configuration variable")
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return VARIABLES[name].default
    return value.strip()


def env_str(name: str) -> str | None:
    """Return the variable's value, or its declared default."""
    return _raw(name)


def env_required(name: str) -> str:
    """Return the variable's value; raise ConfigError when it has none."""
    value = _raw(name)
    if value is None:
        raise ConfigError(f"{name} must be set")
    return value


def env_bool(name: str) -> bool:
    """Return the variable as a boolean (1/true/yes/on, 0/false/no/off)."""
    value = (_raw(name) or "false").lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str) -> int:
    """Return the variable as an integer."""
    value = env_required(name)
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str) -> list[str]:
    """Return the variable as a comma-separated list."""
    return [item.strip() for item in (_raw(name) or "").split(",") if item.strip()]


# --- links to other servers: TLS unless an operator says otherwise (ASVS 12.1.1, 12.3.1) ----------
#
# Mail, database and cache traffic carries what Clarion protects elsewhere: the mail and
# database passwords, reviewers' addresses, tips' metadata, wrapped keys, session rows. Over a
# network an observer (the employer's IT is in our threat model) reads all of it in plaintext.
# Mail is refused in plaintext to any host, as the review asked: a relay on this machine is one
# line of opt-in. The database and the cache are allowed in plaintext on this machine (a socket
# or loopback: nothing crosses a network, and it is how `make run` and CI run), not beyond it.

PLAINTEXT_LINKS = ("email", "database", "cache")
_TRUE = {"1", "true", "yes", "on"}


def plaintext_links_allowed() -> set[str]:
    """Return the links CLARION_ALLOW_PLAINTEXT lets go without TLS; raise ConfigError on an unknown one."""
    links = {link.lower() for link in env_list("CLARION_ALLOW_PLAINTEXT")}
    unknown = sorted(links - set(PLAINTEXT_LINKS))
    if unknown:
        raise ConfigError(
            f"CLARION_ALLOW_PLAINTEXT names {', '.join(unknown)}: it takes only {', '.join(PLAINTEXT_LINKS)}"
        )
    return links


def is_this_machine(host: str) -> bool:
    """Tell whether a server address stays on this machine: a socket path, localhost or a loopback address."""
    host = unquote(host or "").strip("[]")
    if host in {"", "localhost"} or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def email_settings(url: str | None, *, allow_plaintext: bool = False) -> dict[str, object]:
    """Return Django's email settings for an EMAIL_URL (smtps://, or smtp:// with ?tls=true or ?ssl=true).

    A URL without TLS raises ConfigError unless `allow_plaintext` (CLARION_ALLOW_PLAINTEXT=email).
    Django's SMTP backend verifies the server's certificate and host name (ssl.create_default_context).
    """
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError("EMAIL_URL must look like smtp://user:password@host:587?tls=true")
    query = {key: value.lower() for key, value in parse_qsl(parts.query)}
    use_ssl = parts.scheme == "smtps" or query.get("ssl") in _TRUE
    use_tls = query.get("tls") in _TRUE
    if use_ssl and use_tls:
        raise ConfigError(
            "EMAIL_URL asks for both STARTTLS (?tls=true) and implicit TLS (smtps:// or ?ssl=true): use either"
        )
    if not (use_ssl or use_tls) and not allow_plaintext:
        raise ConfigError(
            f"EMAIL_URL sends mail without TLS to {parts.hostname}: anyone on the network in between could read "
            "the notifications and the mail password. Add ?tls=true (STARTTLS, usually port 587) or use smtps:// "
            "(port 465). If the mail server is on this machine or a network you trust, set "
            "CLARION_ALLOW_PLAINTEXT=email."
        )
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if use_ssl else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_TIMEOUT": 20,
    }


def refuse_plaintext_database(url: str, *, allow_plaintext: bool = False) -> None:
    """Raise ConfigError for a DATABASE_URL to another machine without TLS (a verifying or requiring sslmode)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return
    query = {key: value for key, value in parse_qsl(parts.query)}
    host = query.get("host") or parts.hostname or ""
    if allow_plaintext or is_this_machine(host):
        return
    if query.get("sslmode", "").lower() in {"require", "verify-ca", "verify-full"}:
        return
    raise ConfigError(
        f"DATABASE_URL connects to {unquote(host)} without TLS: anyone on the network in between could read every "
        "query and the database password. Add ?sslmode=verify-full to the URL (or at least ?sslmode=require). "
        "If the network is one you trust, set CLARION_ALLOW_PLAINTEXT=database."
    )


def refuse_plaintext_cache(url: str, *, allow_plaintext: bool = False) -> None:
    """Raise ConfigError for a CACHE_URL to another machine that is not rediss:// (Redis over TLS)."""
    parts = urlsplit(url)
    if parts.scheme in {"rediss", "unix"} or allow_plaintext or is_this_machine(parts.hostname or ""):
        return
    raise ConfigError(
        f"CACHE_URL connects to {parts.hostname} without TLS: anyone on the network in between could read and "
        "change rate-limit counters and cached pages. Use rediss:// (Redis over TLS). If the network is one you "
        "trust, set CLARION_ALLOW_PLAINTEXT=cache."
    )


def site_address(value: str | None) -> str:
    """Return CLARION_SITE_URL without its trailing slash ("" when unset); raise ConfigError if it is no address.

    A value without a scheme, or with a query or fragment, would make every link written from it
    (emails, feeds, Open Graph) silently wrong: refused at start instead.
    """
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"CLARION_SITE_URL must be the site's address with its scheme, like https://tips.example.org, not {value!r}"
        )
    return value.rstrip("/")


def data_dir() -> Path:
    """Return the data folder, created with mode 0700 if missing."""
    path = Path(env_required("CLARION_DATA_DIR"))
    if not path.is_absolute():
        path = (BASE_DIR / path).resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


#: The secrets this process generated (not found) in the data folder: `restore` may replace them,
#: since settings made them moments before in what was an empty folder.
GENERATED_HERE: set[Path] = set()


def generated_secret(name: str, *, nbytes: int = 32) -> str:
    """Return a hex secret kept in the data folder, generating it (mode 0600) on first use.

    Written with O_EXCL so that two processes starting at once agree on one value.
    """
    path = data_dir() / "keys" / name
    path.parent.mkdir(mode=0o700, exist_ok=True)
    if not path.exists():
        text = secrets.token_hex(nbytes)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            GENERATED_HERE.add(path)
    return path.read_text().strip()


def describe() -> str:
    """Return the configuration table in Markdown, as the README shows it."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for var in VARIABLES.values():
        default = f"`{var.default}`" if var.default is not None else "unset"
        rows.append(f"| `{var.name}` | {default} | {var.help} |")
    return "\n".join(rows)
