"""Co-built projects in the portal: the partners involved see their projects; staff see them all.

A project is shown to a coordinator only when one of their structures is among its partners;
otherwise it does not exist for them (404). On a project's page a coordinator sees the bookings and
the requests of their own structures only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from bookings.models import Booking, ProjectRequest
from partners.selectors import request_memberships
from programmes.models import Project, Session


def _structure_ids(request: HttpRequest) -> list[int]:
    return [membership.structure_id for membership in request_memberships(request)]


def projects_visible_to(request: HttpRequest) -> QuerySet[Project]:
    projects = Project.objects.all()
    if not request.user.is_staff:
        projects = projects.filter(partners__in=_structure_ids(request)).distinct()
    return projects


@require_safe
@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = (
        projects_visible_to(request)
        .select_related("exhibition")
        .prefetch_related("partners")
        .order_by("-start_date", "name")
    )
    return render(request, "programmes/projects/list.html", {"projects": projects})


@require_safe
@login_required
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = (
        projects_visible_to(request)
        .select_related("exhibition")
        .prefetch_related("partners")
        .filter(slug=slug)
        .first()
    )
    if project is None:
        raise Http404
    bookings = Booking.objects.select_related("structure").order_by("structure__name", "pk")
    requests = (
        ProjectRequest.objects.filter(project=project).select_related("structure").order_by("created_at")
    )
    if not request.user.is_staff:
        own = _structure_ids(request)
        bookings = bookings.filter(structure_id__in=own)
        requests = requests.filter(structure_id__in=own)
    sessions = (
        Session.objects.filter(project=project)
        .select_related("offer")
        .prefetch_related(Prefetch("bookings", queryset=bookings, to_attr="visible_bookings"))
        .order_by("start")
    )
    context = {
        "project": project,
        "sessions": sessions,
        "requests": requests,
        "is_staff_view": request.user.is_staff,
    }
    return render(request, "programmes/projects/detail.html", context)
