from django.urls import path, re_path

from . import views as dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.index, name="index"),
    path("rapport/<int:year>/", dashboard.report, name="report"),
    re_path(
        r"^export/(?P<slug>reservations|presences|partenaires)\.(?P<fmt>csv|xlsx)$",
        dashboard.export,
        name="export",
    ),
    path("donnees-personnelles/", dashboard.privacy, name="privacy"),
    path("donnees-personnelles/<int:pk>/export/", dashboard.privacy_export, name="privacy_export"),
    path("donnees-personnelles/<int:pk>/effacer/", dashboard.privacy_erase, name="privacy_erase"),
]
