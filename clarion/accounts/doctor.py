"""`python -m clarion doctor`'s checks of accounts: the organisation is set up and has an offline key."""

from __future__ import annotations

from django.utils.translation import gettext as _

from clarion.accounts.models import Organisation
from clarion.web.doctor import Finding, failure, ok


def checks() -> list[Finding]:
    """Return whether the organisation exists and registered the offline key exports open with."""
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        return [
            failure(
                "organisation",
                _("No organisation is set up."),
                _("Run python -m clarion setup --name … --site-url https://…"),
            )
        ]
    if not organisation.offline_public_key:
        # Without it, a tip's keys are wrapped only to reviewers' keys: a lost password (or a
        # departed reviewer) loses the tips they alone could read, and exports open nowhere offline.
        return [
            failure(
                "offline_key",
                _("No offline organisation key is registered: tips are readable only with reviewers' passwords."),
                _(
                    "On an offline machine: age-keygen -o org-offline-key.txt; keep that file offline, and paste "
                    "the public key (age1…) under Organisation at /staff/admin/."
                ),
            )
        ]
    return [ok("offline_key", _("%(name)s has an offline key registered.") % {"name": organisation.name})]
