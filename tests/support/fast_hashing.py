"""A password hasher for the test settings: Argon2id in Django's format, inside Clarion's hashing slots.

Its cost is far too low for real use. Production hashes a password over 100 MiB
(`clarion.web.hashing.BoundedArgon2PasswordHasher`), about 0.2 s of CPU; the suite creates and
logs in hundreds of people. Like `insecure_fast_kdf`, this lives in tests alone.
"""

from __future__ import annotations

from clarion.web.hashing import BoundedArgon2PasswordHasher


class InsecureFastArgon2PasswordHasher(BoundedArgon2PasswordHasher):
    time_cost = 1
    memory_cost = 8
    parallelism = 1
