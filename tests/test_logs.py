"""No network address survives in a line gunicorn logs (docs/design.md, property 3).

The behaviour against the real server is in tests/intake/test_no_traces.py
(`test_malformed_requests_leave_no_client_address_in_the_log_but_a_useful_line`); these check the
scrubbing itself on every kind of address, whatever is written around it.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

from gunicorn.config import Config
from hypothesis import given
from hypothesis import strategies as st

from clarion.logs import AddressFreeGunicornLogger, NoAddressFilter, scrub_addresses

# Text around an address, made mostly of the characters addresses are made of.
around = st.text(alphabet=st.sampled_from("0123456789abcdefABCDEF:.%[]=/ ipxyz\n'\""), max_size=12)


def spellings(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> set[str]:
    """Return how software writes an address: compressed, exploded, IPv4-mapped ones as dotted quads too."""
    forms = {str(address), address.exploded, address.compressed}
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        forms |= {f"::ffff:{address.ipv4_mapped}", str(address.ipv4_mapped)}
    return forms


@given(address=st.ip_addresses(), before=around, after=around)
def test_no_spelling_of_any_address_survives_scrubbing_whatever_surrounds_it(address, before, after):
    for form in spellings(address):
        scrubbed = scrub_addresses(f"{before}{form}{after}")

        assert form not in scrubbed, (form, scrubbed)


def test_a_gunicorn_warning_keeps_what_was_refused_without_the_address():
    line = scrub_addresses("Invalid request from ip=203.0.113.9: Invalid HTTP Header: 'CONTENT-TYPE'")

    assert line == "Invalid request from ip=[address]: Invalid HTTP Header: 'CONTENT-TYPE'"
    assert scrub_addresses("Booting worker with pid: 4242 at 12:30:45") == "Booting worker with pid: 4242 at 12:30:45"


def test_a_traceback_is_scrubbed_along_with_its_message():
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1, "Error from %s", ("2001:db8::7",), None)
    try:
        raise ConnectionError("peer 2001:db8::7 reset the connection")
    except ConnectionError as error:
        record.exc_info = (type(error), error, error.__traceback__)

    NoAddressFilter().filter(record)
    line = logging.Formatter().format(record)

    assert "2001:db8::7" not in line
    assert "Error from [address]" in line and "peer [address] reset the connection" in line


def test_the_gunicorn_logger_writes_no_address_and_no_access_line_even_when_asked_to(tmp_path: Path):
    # Given gunicorn's configuration with an access log turned on, as GUNICORN_CMD_ARGS could
    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = AddressFreeGunicornLogger(config)

    # When gunicorn logs a refused request and a served one
    logger.warning("Invalid request from ip=%s: %s", "198.51.100.23", "Invalid HTTP Version: (7, 1)")
    logger.access(None, None, {"REMOTE_ADDR": "198.51.100.23"}, None)
    for handler in logger.error_log.handlers + logger.access_log.handlers:
        handler.flush()

    # Then the warning is there without the address, and no access line was written
    errors = (tmp_path / "error.log").read_text()
    assert "Invalid request from ip=[address]: Invalid HTTP Version: (7, 1)" in errors
    assert "198.51.100.23" not in errors
    assert not (tmp_path / "access.log").exists() or (tmp_path / "access.log").read_text() == ""
