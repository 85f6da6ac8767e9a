from django.contrib.auth import views as auth_views
from django.urls import path

from . import forms

app_name = "partners"

urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="partners/login.html",
            authentication_form=forms.EmailAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
]
