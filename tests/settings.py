"""Settings for the test suite: the production module with test-only seams.

Imported by pytest-django and by the real server when tests start it in a subprocess.
"""

import os
import tempfile

# A data folder of the test run's own; under pytest-xdist one per worker (hashing slots and
# generated secrets live there), which the processes a worker starts then share.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if not os.environ.get("CLARION_DATA_DIR") or os.environ.get("CLARION_TEST_WORKER", _worker) != _worker:
    os.environ["CLARION_DATA_DIR"] = tempfile.mkdtemp(prefix=f"clarion-test-data-{_worker}")
    os.environ["CLARION_TEST_WORKER"] = _worker

from clarion.settings import *  # noqa: E402, F403

# insecure_fast_kdf: a cheap Argon2id so that a suite of hundreds of receipts runs in seconds.
CLARION_INSECURE_FAST_KDF = True
# Likewise a cheap Argon2id for passwords (same stored format, same hashing slots).
PASSWORD_HASHERS = ["tests.support.fast_hashing.InsecureFastArgon2PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
