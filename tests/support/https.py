"""Clarion's settings as an HTTPS deployment has them, for in-process tests of what HTTPS changes.

`clarion/settings.py` reads `CLARION_HTTPS` once, at import; `https_settings()` runs that module
again with it off and with it on and returns what differs (cookie names and flags, HSTS, the
proxy's scheme header), for `override_settings`. The values come from the production module
itself, so a test cannot pass on a copy of them.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any

from clarion.config import BASE_DIR

#: The header Debian's nginx sets in front of gunicorn (deploy/nginx), which HTTPS mode trusts.
FORWARDED_HTTPS = {"X-Forwarded-Proto": "https"}


def _settings_with(https: str) -> dict[str, Any]:
    before = os.environ.get("CLARION_HTTPS")
    os.environ["CLARION_HTTPS"] = https
    try:
        # A fresh copy under another name: the imported clarion.settings stays as it is.
        spec = importlib.util.spec_from_file_location(
            f"_clarion_settings_https_{https}", BASE_DIR / "clarion" / "settings.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        namespace = vars(module)
    finally:
        if before is None:
            del os.environ["CLARION_HTTPS"]
        else:
            os.environ["CLARION_HTTPS"] = before
    return {name: value for name, value in namespace.items() if name.isupper()}


@functools.cache
def https_settings() -> dict[str, Any]:
    """Return the settings that `CLARION_HTTPS=true` changes, with their HTTPS values."""
    plain, https = _settings_with("false"), _settings_with("true")
    return {name: value for name, value in https.items() if plain.get(name, object()) != value}
