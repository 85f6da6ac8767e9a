from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from partners.selectors import current_structure, request_memberships

# The main menu: (url name, label, who sees it).
# "all", "anonymous", "authenticated", "coordinator" (has a structure), "mediator", "staff".
NAV = [
    ("catalogue:index", _("Offers"), "all"),
    ("bookings:list", _("My bookings"), "coordinator"),
    ("bookings:requests", _("My requests"), "coordinator"),
    ("partners:my_structure", _("My structure"), "coordinator"),
    ("partners:training", _("My training"), "coordinator"),
    ("projects:list", _("Our projects"), "coordinator"),
    ("planning:index", _("My schedule"), "mediator"),
    ("planning:index", _("Mediators' schedule"), "staff"),
    ("dashboard:index", _("Dashboard"), "staff"),
    ("partners:register", _("Register your structure"), "anonymous"),
]


@lru_cache(maxsize=64)
def _menu_url(name: str, _script_prefix: str) -> str:
    """The menu's addresses are the same on every request: reversed once per process."""
    return reverse(name)


def _audience(request) -> set[str]:
    user = getattr(request, "user", None)
    roles = {"all"}
    if user is None or not user.is_authenticated:
        roles.add("anonymous")
        return roles
    roles.add("authenticated")
    if user.is_staff:
        roles.add("staff")
    if getattr(user, "is_mediator", False):
        roles.add("mediator")
    # One query per request, shared with the views that need the user's structures (current_structure).
    if request_memberships(request):
        roles.add("coordinator")
    return roles


def portal(request):
    """Facts every page may show: the museum's address and contact, the main menu, the current structure."""
    roles = _audience(request)
    items = []
    seen = set()
    for name, label, who in NAV:
        if who not in roles or name in seen:
            continue
        seen.add(name)  # a staff member who also mediates sees the schedule once
        url = _menu_url(name, get_script_prefix())
        items.append({"url": url, "label": label, "current": request.path == url})
    user = getattr(request, "user", None)
    return {
        "nav_items": items,
        "current_structure": SimpleLazyObject(lambda: current_structure(request)),
        "email_verification_pending": bool(
            user is not None and user.is_authenticated and not user.email_verified and "coordinator" in roles
        ),
        "MUSEUM_ADDRESS": settings.MUSEUM_ADDRESS,
        "MUSEUM_PHONE": settings.MUSEUM_PHONE,
        "MUSEUM_CONTACT_EMAIL": settings.MUSEUM_CONTACT_EMAIL,
    }
