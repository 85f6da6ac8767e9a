from django.db import models
from django.utils.translation import gettext_lazy as _


class StructureField(models.TextChoices):
    SOCIAL = "social", _("Social field")
    INSERTION = "insertion", _("Employment insertion")
    HEALTH = "health", _("Health and disability")


class StructureKind(models.TextChoices):
    # Social field
    SHELTER = "shelter", _("Emergency or social housing")
    CADA = "cada", _("Asylum seekers' reception centre (CADA)")
    SOCIAL_CENTRE = "social_centre", _("Social centre")
    OTHER_SOCIAL = "other_social", _("Other social structure")
    # Employment insertion
    EMPLOYMENT_AGENCY = "employment_agency", _("France Travail agency")
    INSERTION_WORKSITE = "insertion_worksite", _("Insertion worksite")
    MISSION_LOCALE = "mission_locale", _("Mission locale")
    OTHER_INSERTION = "other_insertion", _("Other insertion structure")
    # Health and disability
    IME = "ime", _("Medical-educational institute (IME)")
    ESAT = "esat", _("Sheltered employment (ESAT)")
    DAY_HOSPITAL = "day_hospital", _("Day hospital")
    SAMSAH = "samsah", _("Medico-social support service (SAMSAH)")
    OTHER_HEALTH = "other_health", _("Other health or disability structure")


KIND_FIELD = {
    StructureKind.SHELTER: StructureField.SOCIAL,
    StructureKind.CADA: StructureField.SOCIAL,
    StructureKind.SOCIAL_CENTRE: StructureField.SOCIAL,
    StructureKind.OTHER_SOCIAL: StructureField.SOCIAL,
    StructureKind.EMPLOYMENT_AGENCY: StructureField.INSERTION,
    StructureKind.INSERTION_WORKSITE: StructureField.INSERTION,
    StructureKind.MISSION_LOCALE: StructureField.INSERTION,
    StructureKind.OTHER_INSERTION: StructureField.INSERTION,
    StructureKind.IME: StructureField.HEALTH,
    StructureKind.ESAT: StructureField.HEALTH,
    StructureKind.DAY_HOSPITAL: StructureField.HEALTH,
    StructureKind.SAMSAH: StructureField.HEALTH,
    StructureKind.OTHER_HEALTH: StructureField.HEALTH,
}


class StructureStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ARCHIVED = "archived", _("Archived")


class MembershipRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator (relais)")


class TrainingModule(models.TextChoices):
    ABC = "abc", _("L'ABC du musée")
    DEEPENING = "deepening", _("Deepening course")
    AUTONOMY_SUPPORT = "autonomy_support", _("Support towards autonomy")


class TrainingSource(models.TextChoices):
    ATTENDANCE = "attendance", _("Attendance recorded by the mediator")
    STAFF = "staff", _("Marked by museum staff")
