from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# The main menu: (url name, label, who sees it). "all", "coordinator", "mediator", "staff".
NAV = [
    ("home", _("Home"), "all"),
]


def _audience(user) -> set[str]:
    roles = {"all"}
    if user is not None and user.is_authenticated:
        roles.add("authenticated")
        if user.is_staff:
            roles.add("staff")
        if getattr(user, "is_mediator", False):
            roles.add("mediator")
        roles.add("coordinator")
    return roles


def portal(request):
    """Facts every page may show: the museum's address and contact, and the main menu."""
    roles = _audience(getattr(request, "user", None))
    items = []
    for name, label, who in NAV:
        if who not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a menu entry must never take a page down
            continue
        items.append({"url": url, "label": label, "current": request.path == url})
    return {
        "nav_items": items,
        "MUSEUM_ADDRESS": settings.MUSEUM_ADDRESS,
        "MUSEUM_PHONE": settings.MUSEUM_PHONE,
        "MUSEUM_CONTACT_EMAIL": settings.MUSEUM_CONTACT_EMAIL,
    }
