"""HTTP plumbing every surface shares: throttles, bounded password hashing, security events.

Below accounts in the layers (`vault, scrub <- web <- accounts <- intake ...`): nothing here
imports accounts, intake, casework or publishing.
"""
