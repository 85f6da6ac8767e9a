from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("seance/<int:session_id>/reserver/", views.booking_create, name="create"),
    path("<int:pk>/", views.booking_detail, name="detail"),
    path("<int:pk>/confirmation/", views.booking_done, name="done"),
    path("<int:pk>/modifier/", views.booking_change, name="change"),
    path("<int:pk>/annuler/", views.booking_cancel, name="cancel"),
    path("<int:pk>/calendrier.ics", views.booking_calendar, name="ics"),
    path("<int:pk>/liste-d-attente/confirmer/", views.waitlist_confirm, name="waitlist_confirm"),
    path("<int:pk>/liste-d-attente/quitter/", views.waitlist_leave, name="waitlist_leave"),
    path("demandes/", views.request_list, name="requests"),
    path("demandes/nouvelle/", views.request_create, name="request_create"),
    path("demandes/<int:pk>/", views.request_detail, name="request_detail"),
]
