"""Partners' accounts: registration, email check, login, passwords, "My structure", invitations, training.

Every page that shows a structure's members or invitations only ever looks them up among the
logged-in user's own structures: anything else is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .enums import TrainingModule
from .forms import (
    EmailAuthenticationForm,
    InvitationForm,
    InvitationSignupForm,
    OutboxPasswordResetForm,
    StructureRegistrationForm,
    VerifyingSetPasswordForm,
)
from .models import Membership, User
from .selectors import (
    CURRENT_STRUCTURE_SESSION_KEY,
    account_exists,
    booking_refusal_reason,
    coordinators_of,
    current_membership,
    forget_request_memberships,
    has_completed,
    invitation_by_token,
    invitations_visible_to,
    memberships_of,
    pending_invitations,
    request_memberships,
    training_summary,
)
from .services import (
    PartnerError,
    email_verification_check,
    invitation_accept,
    invitation_create,
    invitation_problem,
    invitation_revoke,
    invitation_signup,
    membership_leave,
    structure_register,
    user_send_verification,
    user_verify_email,
)

REGISTERED_SESSION_KEY = "partners_registered_email"
MODEL_BACKEND = "partners.backends.PortalBackend"


def _error_to_form(form, exc: PartnerError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# ---------------------------------------------------------------------------------------------
# Login, passwords
# ---------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "partners/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Without a `next`, each person lands where their work is."""
        user = self.request.user
        if user.is_staff:
            return resolve_url("dashboard:index")
        if user.is_mediator:
            return resolve_url("planning:index")
        if memberships_of(user).exists():
            return resolve_url("bookings:list")
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.get_user().email_verified:
            messages.warning(
                self.request,
                _(
                    "Welcome! Please confirm your email address with the link we sent you: "
                    "you need it to book. You can ask for a new link from “My structure”."
                ),
            )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "partners/password_reset_form.html"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("partners:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "partners/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "partners/password_reset_confirm.html"
    form_class = VerifyingSetPasswordForm
    success_url = reverse_lazy("partners:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "partners/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "partners/password_change_form.html"
    success_url = reverse_lazy("partners:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "partners/password_change_done.html"


# ---------------------------------------------------------------------------------------------
# Registration and email verification
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    form = StructureRegistrationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            membership = structure_register(
                **form.registration_data(), user=user, language=request.LANGUAGE_CODE
            )
        except PartnerError as exc:
            _error_to_form(form, exc)
        else:
            request.session[REGISTERED_SESSION_KEY] = membership.user.email
            if user is not None:
                request.session[CURRENT_STRUCTURE_SESSION_KEY] = membership.structure_id
            return redirect("partners:register_done")
    return render(request, "partners/register.html", {"form": form})


@require_safe
def register_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/register_done.html",
        {
            "email": request.session.get(REGISTERED_SESSION_KEY, ""),
            "verified": request.user.is_authenticated and request.user.email_verified,
        },
    )


@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: a button confirms, so that link checkers merely opening it change nothing."""
    try:
        user = email_verification_check(token=token)
    except PartnerError as exc:
        return render(request, "partners/verify_email.html", {"error": exc.message}, status=400)
    if request.method == "POST":
        try:
            user = user_verify_email(token=token)
        except PartnerError as exc:  # pragma: no cover - the account changed between the two reads
            return render(request, "partners/verify_email.html", {"error": exc.message}, status=400)
        memberships = list(memberships_of(user))
        return render(
            request, "partners/verify_email_done.html", {"verified_user": user, "memberships": memberships}
        )
    return render(
        request, "partners/verify_email.html", {"verified_user": user, "already": user.email_verified}
    )


@login_required
@require_POST
def verification_resend(request: HttpRequest) -> HttpResponse:
    if user_send_verification(user=request.user):
        messages.success(
            request,
            _("We have sent a new link to %(email)s. Open it within a few days to confirm your address.")
            % {"email": request.user.email},
        )
    else:
        messages.info(request, _("Your email address is already confirmed."))
    return redirect("partners:my_structure")


# ---------------------------------------------------------------------------------------------
# My structure
# ---------------------------------------------------------------------------------------------


@login_required
@require_safe
def my_structure(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    context = {"memberships": request_memberships(request), "membership": membership}
    if membership is not None:
        structure = membership.structure
        context.update(
            structure=structure,
            coordinators=coordinators_of(structure),
            invitations=pending_invitations(structure),
            booking_refusal=booking_refusal_reason(
                request.user, structure, memberships=request_memberships(request)
            ),
            invitation_days=settings.INVITATION_VALID_DAYS,
        )
    return render(request, "partners/my_structure.html", context)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def structure_switch(request: HttpRequest) -> HttpResponse:
    """Choose which of one's structures to act for; only one's own structures can be chosen."""
    try:
        structure_id = int(request.POST.get("structure", ""))
    except ValueError as exc:
        raise Http404 from exc
    membership = next((m for m in request_memberships(request) if m.structure_id == structure_id), None)
    if membership is None:
        raise Http404
    request.session[CURRENT_STRUCTURE_SESSION_KEY] = structure_id
    messages.success(
        request, _("You are now acting for %(structure)s.") % {"structure": membership.structure.name}
    )
    return redirect(_safe_next(request, reverse("partners:my_structure")))


@login_required
@require_http_methods(["GET", "POST"])
def invitation_new(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    if membership is None:
        raise Http404
    structure = membership.structure
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                structure=structure, email=form.cleaned_data["email"], invited_by=request.user
            )
        except PartnerError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Invitation sent to %(email)s. They have %(days)s days to accept it; until then it "
                    "appears under “Pending invitations”, where you can revoke it."
                )
                % {"email": invitation.email, "days": settings.INVITATION_VALID_DAYS},
            )
            return redirect("partners:my_structure")
    return render(request, "partners/invitation_form.html", {"form": form, "structure": structure})


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(invitations_visible_to(request.user), pk=pk)
    try:
        invitation_revoke(invitation=invitation, by=request.user)
    except PartnerError as exc:  # pragma: no cover - the lookup above already guarantees the rules
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The invitation of %(email)s is revoked: its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("partners:my_structure")


@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: join with one's account, or create it."""
    invitation = invitation_by_token(token)
    if invitation is None:
        raise Http404
    user = request.user if request.user.is_authenticated else None
    has_account = user is not None or account_exists(invitation.email)
    form = None if has_account else InvitationSignupForm(request.POST or None, email=invitation.email)
    context = {"invitation": invitation, "form": form, "account_exists": has_account, "error": None}
    if request.method != "POST":
        # What stops this visitor from using the invitation, told before they try.
        context["error"] = invitation_problem(invitation=invitation, user=user)
        return render(request, "partners/invitation_accept.html", context)
    try:
        membership = _invitation_use(request, token=token, user=user, form=form)
    except PartnerError as exc:
        if form is not None and exc.field in form.fields:
            _error_to_form(form, exc)
        else:
            context["error"] = exc.message
        membership = None
    if membership is None:
        return render(request, "partners/invitation_accept.html", context)
    forget_request_memberships(request)
    request.session[CURRENT_STRUCTURE_SESSION_KEY] = membership.structure_id
    messages.success(
        request,
        _("Welcome to %(structure)s! You can now book for its groups and invite colleagues.")
        % {"structure": membership.structure.name},
    )
    return redirect("partners:my_structure")


def _invitation_use(
    request: HttpRequest, *, token: str, user: User | None, form: InvitationSignupForm | None
) -> Membership | None:
    """Join with the logged-in account, or create the account from the form (then log in with it);
    None while the form is not valid."""
    if user is not None:
        return invitation_accept(token=token, user=user)
    if form is None or not form.is_valid():
        return None
    membership = invitation_signup(
        token=token,
        first_name=form.cleaned_data["first_name"],
        last_name=form.cleaned_data["last_name"],
        phone=form.cleaned_data["phone"],
        password=form.cleaned_data["password1"],
        language=request.LANGUAGE_CODE,
    )
    login(request, membership.user, backend=MODEL_BACKEND)
    return membership


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, structure_id: int) -> HttpResponse:
    membership = next((m for m in request_memberships(request) if m.structure_id == structure_id), None)
    if membership is None:
        raise Http404
    structure = membership.structure
    error = None
    if request.method == "POST":
        try:
            membership_leave(user=request.user, structure=structure)
        except PartnerError as exc:
            error = exc.message
        else:
            if request.session.get(CURRENT_STRUCTURE_SESSION_KEY) == structure.pk:
                del request.session[CURRENT_STRUCTURE_SESSION_KEY]
            forget_request_memberships(request)
            messages.success(
                request,
                _(
                    "You are no longer a coordinator of %(structure)s. "
                    "Its other coordinators keep its bookings."
                )
                % {"structure": structure.name},
            )
            return redirect("partners:my_structure")
    return render(
        request,
        "partners/leave.html",
        {"structure": structure, "error": error},
        status=400 if error else 200,
    )


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


@login_required
@require_safe
def training(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/training.html",
        {
            "modules": training_summary(request.user),
            "abc_done": has_completed(request.user, TrainingModule.ABC),
        },
    )
