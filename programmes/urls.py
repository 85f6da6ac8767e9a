from django.urls import path

from .views import catalogue

app_name = "programmes"

urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("<slug:slug>/", catalogue.offer_detail, name="offer"),
]
