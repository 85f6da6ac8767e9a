"""The coordinators' bookings, waiting list and project requests.

Every object is looked up among the user's own structures' objects: anything else is a 404.
The rules live in services.py; a BookingError's message is shown at its field (or above the form).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from partners.selectors import booking_refusal_reason, current_structure, request_memberships
from programmes.models import Session

from . import selectors, services
from .calendar import booking_ics
from .enums import BookingStatus
from .forms import BookingForm, ProjectRequestForm
from .models import Booking
from .services import BookingError

ARRIVAL_MINUTES_BEFORE = 15


def _booking_or_404(request: HttpRequest, pk: int) -> Booking:
    return get_object_or_404(selectors.bookings_visible_to(request.user), pk=pk)


def _attach_error(form, exc: BookingError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@login_required
@require_safe
def booking_list(request: HttpRequest) -> HttpResponse:
    structure = current_structure(request)
    context = {"structure": structure}
    if structure:
        context.update(
            selectors.structure_bookings(
                structure, past_page=request.GET.get("passees"), cancelled_page=request.GET.get("annulees")
            )
        )
    return render(request, "bookings/list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def booking_create(request: HttpRequest, session_id: int) -> HttpResponse:
    # Every refused booking sees this page again (a full session, a structure that has booked):
    # queries and rendering are kept few.
    session = get_object_or_404(
        Session.objects.filter(offer__is_published=True).select_related("offer"), pk=session_id
    )
    offer = session.offer
    user = request.user
    structure = current_structure(request)
    now = timezone.now()
    blocker = services.booking_blocker(
        session=session, structure=structure, user=user, now=now, memberships=request_memberships(request)
    )
    code = blocker.code if blocker is not None else None
    context = {
        "session": session,
        "offer": offer,
        "structure": structure,
        "refusal": blocker.message if code in services.COORDINATOR_CODES else None,
        "abc_missing": code == "abc_required",
        "abc_sessions": selectors.next_abc_sessions() if code == "abc_required" else [],
        "closed": not session.is_open_for_booking(now),
    }
    if blocker is not None:
        return render(request, "bookings/create.html", context)

    if request.method != "POST":
        # Say it before the form is filled in; on a POST, the service looks for it and refuses.
        existing = selectors.active_booking_of(session=session, structure=structure, user=user)
        if existing is not None:
            context["existing"] = existing
            return render(request, "bookings/create.html", context)

    initial = {"contact_name": user.get_full_name(), "contact_phone": user.phone}
    form = BookingForm(request.POST or None, offer=offer, initial=initial)
    offer_waitlist = session.seats_left <= 0
    if request.method == "POST" and form.is_valid():
        # The services read the user's memberships from the database (not the request's, which may
        # come from the cache): whether they may book is decided on the database alone.
        try:
            if request.POST.get("action") == "waitlist":
                booking = services.waitlist_join(
                    session=session, structure=structure, user=user, group=form.group()
                )
            else:
                booking = services.booking_create(
                    session=session, structure=structure, user=user, group=form.group()
                )
        except BookingError as exc:
            if exc.booking is not None:
                # Already booked (a second submit, another coordinator of the structure): the form
                # has nothing left to do; the page says so and links the booking, as before the form.
                context["existing"] = exc.booking
                return render(request, "bookings/create.html", context)
            _attach_error(form, exc)
            offer_waitlist = offer_waitlist or exc.code == "no_seats"
        else:
            return redirect("bookings:done", pk=booking.pk)
    context.update(
        {"form": form, "offer_waitlist": offer_waitlist, "waitlist_hours": settings.WAITLIST_OFFER_HOURS}
    )
    return render(request, "bookings/create.html", context)


@login_required
@require_safe
def booking_done(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(request, pk)
    return render(
        request, "bookings/done.html", {"booking": booking, "waitlist_hours": settings.WAITLIST_OFFER_HOURS}
    )


@login_required
@require_safe
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(request, pk)
    session = booking.session
    now = timezone.now()
    return render(
        request,
        "bookings/detail.html",
        {
            "booking": booking,
            "session": session,
            "offer": session.offer,
            "needs": list(booking.accessibility_needs.all()),
            "offer_accessibility": list(session.offer.accessibility.all()),
            "arrival": session.start - dt.timedelta(minutes=ARRIVAL_MINUTES_BEFORE),
            "arrival_minutes": ARRIVAL_MINUTES_BEFORE,
            "can_change": booking.status == BookingStatus.CONFIRMED
            and services.booking_can_be_cancelled(booking),
            "can_cancel": services.booking_can_be_cancelled(booking),
            "is_upcoming": session.start > now,
            "offer_live": booking.offer_is_live(now),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def booking_change(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(request, pk)
    offer = booking.session.offer
    if booking.status != BookingStatus.CONFIRMED or not services.booking_can_be_cancelled(booking):
        messages.warning(
            request,
            _(
                "This booking can no longer be changed online. "
                "Call the museum on %(phone)s or write to %(email)s."
            )
            % {"phone": settings.MUSEUM_PHONE, "email": settings.MUSEUM_CONTACT_EMAIL},
        )
        return redirect("bookings:detail", pk=booking.pk)
    form = BookingForm(request.POST or None, offer=offer, initial=BookingForm.initial_from(booking))
    if request.method == "POST" and form.is_valid():
        # The services read the user's memberships from the database (not the request's, which may
        # come from the cache): whether they may book is decided on the database alone.
        try:
            services.booking_change(booking=booking, user=request.user, group=form.group())
        except BookingError as exc:
            _attach_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your booking is changed. We have sent you an email with the new details; "
                    "the mediator will see them too."
                ),
            )
            return redirect("bookings:detail", pk=booking.pk)
    return render(request, "bookings/change.html", {"booking": booking, "offer": offer, "form": form})


def _confirm_action(
    request: HttpRequest, booking: Booking, *, action, template: str, success: str
) -> HttpResponse:
    if request.method == "POST":
        try:
            action(booking=booking, user=request.user)
        except BookingError as exc:
            messages.error(request, exc.message)
            return redirect("bookings:detail", pk=booking.pk)
        messages.success(request, success)
        return redirect("bookings:list")
    return render(request, template, {"booking": booking})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(request, pk)
    if request.method != "POST" and not services.booking_can_be_cancelled(booking):
        messages.warning(
            request,
            _(
                "This booking can no longer be cancelled online. "
                "Call the museum on %(phone)s or write to %(email)s."
            )
            % {"phone": settings.MUSEUM_PHONE, "email": settings.MUSEUM_CONTACT_EMAIL},
        )
        return redirect("bookings:detail", pk=booking.pk)
    return _confirm_action(
        request,
        booking,
        action=services.booking_cancel,
        template="bookings/cancel.html",
        success=_(
            "Your booking is cancelled. We have sent you a confirmation by email, and the seats are "
            "offered to the groups on the waiting list. You can book another date whenever you wish."
        ),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_leave(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(request, pk)
    return _confirm_action(
        request,
        booking,
        action=services.waitlist_leave,
        template="bookings/waitlist_leave.html",
        success=_("Your group has left the waiting list. We will not email you about this session any more."),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(request, pk)
    if request.method == "POST":
        try:
            services.waitlist_confirm(booking=booking, user=request.user)
        except BookingError as exc:
            messages.error(request, exc.message)
            return redirect("bookings:detail", pk=booking.pk)
        return redirect("bookings:done", pk=booking.pk)
    live = booking.offer_is_live(timezone.now())
    return render(request, "bookings/waitlist_confirm.html", {"booking": booking, "offer_live": live})


@login_required
@require_safe
def booking_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(request, pk)
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="louvre-lens-reservation-{booking.pk}.ics"'
    return response


# --- Project requests ("Pensez-y !") ----------------------------------------------------------


@login_required
@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    structure = current_structure(request)
    requests = (
        list(selectors.requests_visible_to(request.user).filter(structure=structure).order_by("-created_at"))
        if structure
        else []
    )
    return render(
        request, "bookings/request_list.html", {"structure": structure, "project_requests": requests}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    structure = current_structure(request)
    refusal = booking_refusal_reason(request.user, structure)
    form = ProjectRequestForm(request.POST or None)
    if refusal is None and request.method == "POST" and form.is_valid():
        try:
            project_request = services.request_create(
                structure=structure, user=request.user, **form.cleaned_data
            )
        except BookingError as exc:
            _attach_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request is sent. The social relations team reads it and answers you by email, "
                    "usually within two weeks. You can follow it here."
                ),
            )
            return redirect("bookings:request_detail", pk=project_request.pk)
    return render(
        request, "bookings/request_form.html", {"form": form, "structure": structure, "refusal": refusal}
    )


@login_required
@require_safe
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project_request = get_object_or_404(selectors.requests_visible_to(request.user), pk=pk)
    return render(request, "bookings/request_detail.html", {"project_request": project_request})
