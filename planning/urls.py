"""The mediators' planning, their sessions, attendance, and the calendar feeds (mounted at /planning/)."""

from django.urls import path

from . import views as planning

app_name = "planning"

urlpatterns = [
    path("", planning.planning_index, name="index"),
    path("jour/<int:year>-<int:month>-<int:day>/", planning.planning_day, name="day"),
    path("seance/<int:pk>/", planning.session_detail, name="session"),
    path("seance/<int:pk>/presences/", planning.session_attendance, name="attendance"),
    path("agenda/", planning.calendar_subscribe, name="subscribe"),
    path("agenda/nouveau-lien/", planning.calendar_token_regenerate, name="regenerate"),
    path("flux/<str:token>.ics", planning.mediator_feed_view, name="feed"),
    path("flux-structure/<str:token>.ics", planning.structure_feed_view, name="structure_feed"),
]
