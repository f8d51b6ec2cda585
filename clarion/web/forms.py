"""Form pieces every surface uses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The choices of a yes/no question, for radio buttons (a checkbox cannot say "not answered").
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
