"""Keep network addresses out of every log line Clarion and its web server write (docs/design.md, property 3).

Clarion's own code never logs an address, but the libraries under it do: gunicorn warns
`Invalid request from ip=203.0.113.9: ...` for every malformed request, before Django sees it,
and its access log is made of addresses. A source's address in a log is what a seizure of the
server, or a subpoena of its logs, would look for first; behind a proxy it is the proxy's, but
`CLARION_BIND` lets an operator serve directly.

So gunicorn's records are scrubbed on their way to its handler, by `AddressFreeGunicornLogger`
(its `--logger-class`, set by `python -m clarion serve`). The line stays, with `[address]` in
place of each IPv4 or IPv6 address, so an operator still sees what was refused. Django's own
log is left as it is: it never names the client (its request messages carry the path only),
and the address of a database or mail server in a traceback is what an operator needs.

No Django import here: gunicorn's master loads this module before any app exists.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn import glogging

REDACTED = "[address]"

_HEX = "[0-9A-Fa-f]{1,4}"
# A dotted quad anywhere, even inside a longer run of digits: better to hide a version number
# now and then than to let "ip=127.0.0.77" through because of what is written next to it.
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
# IPv6 in full (eight groups) or compressed (with "::"); an embedded IPv4 is already gone.
_IPV6 = rf"(?:{_HEX}:){{7}}{_HEX}|(?:{_HEX}(?::{_HEX}){{0,6}})?::(?:{_HEX}(?::{_HEX}){{0,6}})?"
_IPV4_PATTERN = re.compile(_IPV4)
_IPV6_PATTERN = re.compile(_IPV6)


def scrub_addresses(text: str) -> str:
    """Return `text` with every IPv4 and IPv6 address replaced by `[address]`."""
    return _IPV6_PATTERN.sub(REDACTED, _IPV4_PATTERN.sub(REDACTED, text))


class NoAddressFilter(logging.Filter):
    """Rewrite a record's message, traceback and stack so that they hold no address."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it as logging always has
            return True
        record.msg, record.args = scrub_addresses(message), None
        if record.exc_info and not record.exc_text:
            # Formatted here, since the formatter would otherwise write the traceback unscrubbed.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_addresses(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_addresses(record.stack_info)
        return True


class AddressFreeGunicornLogger(glogging.Logger):
    """gunicorn's logger with every error-log line scrubbed of addresses and no access log at all."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(existing, NoAddressFilter) for existing in self.error_log.filters):
            self.error_log.addFilter(NoAddressFilter())

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """Write nothing: an access line is the client's address, path and user agent, even if
        an operator turns the access log on (GUNICORN_CMD_ARGS)."""
