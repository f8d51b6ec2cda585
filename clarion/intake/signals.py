"""What intake tells the layers above it, which it must not import (docs/design.md: layers)."""

from django.dispatch import Signal

# Sent by `do_submit_tip` with `tip=`, inside the transaction that commits the tip: a handler's
# writes commit with the tip or not at all. Casework opens the tip's case file on it.
tip_submitted = Signal()
