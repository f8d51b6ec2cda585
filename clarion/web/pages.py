"""Pages every staff area shows the same way, in its own frame."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class StaffArea:
    """A staff area (casework, publishing): its layout template and the page its "back" links go to."""

    layout: str
    home: str  # a URL name
    back_label: str | Promise


def cannot_open(request: HttpRequest, area: StaffArea, message: str | Promise, *, status: int = 403) -> HttpResponse:
    """Say that something cannot be opened (a locked tip or draft, a missing file), and why."""
    context = {"layout": area.layout, "message": message, "back_url": reverse(area.home), "back_label": area.back_label}
    return render(request, "web/locked.html", context, status=status)
