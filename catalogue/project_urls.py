from django.urls import path

from . import project_views as projects

app_name = "projects"

urlpatterns = [
    path("", projects.project_list, name="list"),
    path("<slug:slug>/", projects.project_detail, name="detail"),
]
