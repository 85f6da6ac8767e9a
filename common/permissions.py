"""Who may see a page: decorators shared by the faces."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest


def staff_required(view):
    """Staff only: a visitor is sent to the login page, a logged-in non-staff user gets a 404 (the
    page does not exist for them)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
