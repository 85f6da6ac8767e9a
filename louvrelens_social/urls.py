from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

from catalogue import views as catalogue_views
from common import views

admin.site.site_header = _("Louvre-Lens — Social-Handicap-Health programme")
admin.site.site_title = _("Louvre-Lens partner portal")
admin.site.index_title = _("Running the programme")

urlpatterns = [
    path("", catalogue_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("mentions-legales/", views.legal, name="legal"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    # The language switcher carries no CSRF token, so that the public pages are the same for every
    # visitor and can be served from the cache (common/cache.py). Choosing a language
    # changes nothing but the visitor's own language cookie.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("compte/", include("partners.urls")),
    path("offres/", include("catalogue.urls")),
    path("planning/", include("planning.urls")),
    path("reservations/", include("bookings.urls")),
    path("projets/", include("catalogue.project_urls")),
    path("tableau-de-bord/", include("dashboard.urls")),
    # The reminders moved from notifications to bookings: staff bookmarks of their admin pages still work.
    path(
        "admin/notifications/",
        include(
            [
                re_path(
                    r"^(?P<rest>reminder(?:policy)?/.*)$",
                    RedirectView.as_view(url="/admin/bookings/%(rest)s", permanent=True, query_string=True),
                    name="reminders_moved",
                )
            ]
        ),
    ),
    path("admin/", admin.site.urls),
]

handler400 = "common.views.bad_request"
handler403 = "common.views.permission_denied"
handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
