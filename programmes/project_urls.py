from django.urls import path

from .views import projects

app_name = "projects"

urlpatterns = [
    path("", projects.project_list, name="list"),
    path("<slug:slug>/", projects.project_detail, name="detail"),
]
