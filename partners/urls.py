from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # Registration of a structure and the email check
    path("inscription/", views.register, name="register"),
    path("inscription/merci/", views.register_done, name="register_done"),
    path("verifier-email/renvoyer/", views.verification_resend, name="verification_resend"),
    path("verifier-email/<str:token>/", views.verify_email, name="verify_email"),
    # Passwords
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/fait/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("mot-de-passe/changer/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/change/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # My structure, colleagues, invitations
    path("ma-structure/", views.my_structure, name="my_structure"),
    path("ma-structure/choisir/", views.structure_switch, name="structure_switch"),
    path("ma-structure/inviter/", views.invitation_new, name="invitation_new"),
    path("ma-structure/invitations/<int:pk>/revoquer/", views.invitation_cancel, name="invitation_revoke"),
    path("ma-structure/<int:structure_id>/quitter/", views.leave, name="leave"),
    path("invitation/<str:token>/", views.invitation_open, name="invitation_accept"),
    # Training record
    path("ma-formation/", views.training, name="training"),
]
