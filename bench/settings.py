"""Production settings for the benchmarks: `clarion.settings`, with one stopgap.

The production settings keep whitenoise's manifest storage, so every page that links the
stylesheet needs `clarion/clarion.css` in the collected manifest. `clarion/static` is not an
installed app's folder, and while `STATICFILES_DIRS` does not list it either, collectstatic
misses the stylesheet and every source page answers 500 in production. Until the settings
list that folder themselves, add it here so the benchmarks measure the real code path; once
they do, this module changes nothing.
"""

from clarion.settings import *  # noqa: F403
from clarion.settings import BASE_DIR, INSTALLED_APPS

_PROJECT_STATIC = BASE_DIR / "clarion" / "static"

if _PROJECT_STATIC.is_dir() and "clarion" not in INSTALLED_APPS and not globals().get("STATICFILES_DIRS"):
    STATICFILES_DIRS = [_PROJECT_STATIC]
