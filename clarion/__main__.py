"""Run Clarion's commands: `python -m clarion <command>` (Django's management commands).

`python -m clarion serve` starts the web server and the background worker;
`python -m clarion demo` loads demo content once; `python -m clarion config` prints the
configuration variables.
"""

import os
import sys


def main() -> None:
    # Files Clarion creates (database, blobs, keys) are readable by its own user alone.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clarion.settings")
    from django.core.management import execute_from_command_line

    from clarion.config import ConfigError

    try:
        execute_from_command_line([f"{sys.executable} -m clarion", *sys.argv[1:]])
    except ConfigError as error:
        # A setting the operator must fix: say which and how, without a traceback to dig through.
        sys.exit(f"Clarion cannot start: {error}")


if __name__ == "__main__":
    main()
