from django.urls import path

from . import views as catalogue

app_name = "catalogue"

urlpatterns = [
    path("", catalogue.catalogue, name="index"),
    path("<slug:slug>/", catalogue.offer_detail, name="offer"),
]
