"""Settings for the test suite: the production module with test-only seams.

Imported by pytest-django and by the real server when tests start it in a subprocess.
"""

import os
import tempfile

if not os.environ.get("CLARION_DATA_DIR"):
    os.environ["CLARION_DATA_DIR"] = tempfile.mkdtemp(prefix="clarion-test-data-")

from clarion.settings import *  # noqa: E402, F403

# insecure_fast_kdf: a cheap Argon2id so that a suite of hundreds of receipts runs in seconds.
CLARION_INSECURE_FAST_KDF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
