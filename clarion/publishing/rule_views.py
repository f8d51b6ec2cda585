"""The staff page of the two-person rule: its state, and the two admins' steps to switch it off."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clarion.publishing import actions
from clarion.publishing.models import SiteSettings
from clarion.web.decorators import admin_required
from clarion.web.staff_request import StaffRequest

STEPS = {
    "propose-off": actions.do_propose_rule_off,
    "confirm-off": actions.do_confirm_rule_off,
    "keep-on": actions.do_keep_rule_on,
}


@never_cache
@admin_required
@require_http_methods(["GET", "POST"])
def rule(request: StaffRequest) -> HttpResponse:
    problems: list[str] = []
    if request.method == "POST":
        step = STEPS.get(request.POST.get("action", ""))
        if step is None:
            problems.append(_("Choose one of the buttons below."))
        else:
            try:
                step(actor=request.user)
            except actions.WorkflowError as error:
                problems.append(str(error))
            else:
                return redirect("publishing_rule")
    context = {"site": SiteSettings.current(), "problems": problems}
    return render(request, "publishing/staff/rule.html", context, status=400 if problems else 200)
