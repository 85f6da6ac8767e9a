from __future__ import annotations

import secrets
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .enums import KIND_FIELD, MembershipRole, StructureKind, StructureStatus, TrainingModule, TrainingSource

MEDIATORS_GROUP = "Mediators"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in: a coordinator (relais), a mediator or museum staff. Logs in by email."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    calendar_token = models.CharField(_("calendar feed token"), max_length=64, unique=True, default=new_token)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email

    @cached_property
    def is_mediator(self) -> bool:
        return self.groups.filter(name=MEDIATORS_GROUP).exists()


class Structure(models.Model):
    """A partner organisation of the social, insertion, or health and disability field."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=StructureKind.choices)
    address = models.CharField(_("address"), max_length=255)
    postcode = models.CharField(_("postcode"), max_length=5)
    city = models.CharField(_("city"), max_length=120)
    departement = models.CharField(_("département"), max_length=3, db_index=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    phone = models.CharField(_("phone"), max_length=30)
    email = models.EmailField(_("email"))
    publics = models.TextField(_("publics accompanied"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=StructureStatus.choices, default=StructureStatus.PENDING
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner structure")
        verbose_name_plural = _("partner structures")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~models.Q(siret=""), name="structure_unique_siret"
            ),
            models.UniqueConstraint(Lower("name"), Lower("city"), name="structure_unique_name_city"),
            models.CheckConstraint(
                condition=models.Q(status__in=StructureStatus.values), name="structure_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=StructureKind.values), name="structure_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(siret="") | models.Q(siret__regex=r"^[0-9]{14}$"),
                name="structure_siret_14_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(postcode__regex=r"^[0-9]{5}$"), name="structure_postcode_5_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @property
    def field(self) -> str:
        return KIND_FIELD[StructureKind(self.kind)]

    @property
    def is_active(self) -> bool:
        return self.status == StructureStatus.ACTIVE


class Membership(models.Model):
    """A coordinator (relais) of a structure."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("structure")
    )
    role = models.CharField(
        _("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.COORDINATOR
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["structure__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "structure"], name="membership_unique_user_structure")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.structure}"


class Invitation(models.Model):
    """A coordinator's invitation of a colleague into their structure; the link expires."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("structure")
    )
    email = models.EmailField(_("email"))
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.structure}"


class TrainingRecord(models.Model):
    """A relais' completed training module (the ABC du musée unlocks autonomous visits)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("relais"),
    )
    module = models.CharField(_("module"), max_length=32, choices=TrainingModule.choices)
    completed_on = models.DateField(_("completed on"))
    source = models.CharField(_("source"), max_length=16, choices=TrainingSource.choices)
    session = models.ForeignKey(
        "programmes.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module", "completed_on"], name="training_unique_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_module_display()} ({self.completed_on:%d/%m/%Y})"
