"""Co-built projects in the portal: the partners involved see their projects; staff see them all.

A project is shown to a coordinator only when one of their structures is among its partners;
otherwise it does not exist for them (404). On a project's page a coordinator sees the bookings and
the requests of their own structures only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from bookings.projects import project_requests, project_sessions
from partners.selectors import request_memberships
from programmes.selectors import projects_visible_to


def _structure_ids(request: HttpRequest) -> list[int]:
    return [membership.structure_id for membership in request_memberships(request)]


@require_safe
@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = projects_visible_to(user=request.user, structure_ids=_structure_ids(request))
    return render(request, "programmes/projects/list.html", {"projects": projects})


@require_safe
@login_required
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    own = _structure_ids(request)
    project = get_object_or_404(projects_visible_to(user=request.user, structure_ids=own), slug=slug)
    # Staff see every booking and request; a coordinator those of their own structures.
    shown = None if request.user.is_staff else own
    context = {
        "project": project,
        "sessions": project_sessions(project=project, structure_ids=shown),
        "requests": project_requests(project=project, structure_ids=shown),
        "is_staff_view": request.user.is_staff,
    }
    return render(request, "programmes/projects/detail.html", context)
