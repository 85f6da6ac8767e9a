from django.db import models
from django.utils.translation import gettext_lazy as _


class OfferKind(models.TextChoices):
    ABC = "abc", _("L'ABC du musée")
    DEEPENING = "deepening", _("Deepening course")
    AUTONOMY_SUPPORT = "autonomy_support", _("Support towards autonomy")
    GUIDED_VISIT = "guided_visit", _("Visit with a mediator")
    WORKSHOP = "workshop", _("Workshop")
    CO_BUILT_CYCLE = "co_built_cycle", _("Co-built cycle")
    AUTONOMOUS_VISIT = "autonomous_visit", _("Autonomous visit led by the relais")


# Offers whose seats are booked one relais at a time (training modules).
PER_PERSON_KINDS = frozenset({OfferKind.ABC, OfferKind.DEEPENING, OfferKind.AUTONOMY_SUPPORT})


class Audience(models.TextChoices):
    RELAIS = "relais", _("Relais (professionals)")
    GROUP = "group", _("Groups")


class AccessibilityFeature(models.TextChoices):
    LSF = "lsf", _("French sign language (LSF)")
    AUDIO_DESCRIPTION = "audio_description", _("Audio description")
    FALC = "falc", _("Easy-to-read (FALC)")
    WHEELCHAIR = "wheelchair", _("Wheelchair access")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")
    TACTILE = "tactile", _("Tactile")


class ExhibitionKind(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TEMPORARY = "temporary", _("Temporary")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")
