from django.http import HttpRequest

from clarion.accounts.models import Organisation


def organisation(request: HttpRequest) -> dict[str, Organisation]:
    """Put the organisation (its name on every page) into template context."""
    return {"organisation": Organisation.current()}
