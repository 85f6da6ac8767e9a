"""Authentication backend: Django's own, with the user of each request loaded in one query."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef, QuerySet

from .models import MEDIATORS_GROUP, User


def users_with_role() -> QuerySet[User]:
    """Users, each knowing whether they mediate (`mediates`)."""
    mediates = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=MEDIATORS_GROUP)
    return User._default_manager.annotate(mediates=Exists(mediates))


class PortalBackend(ModelBackend):
    """ModelBackend (email and password, `is_active`) whose `get_user`, run on every request of a
    logged-in user, also tells whether they mediate: the menu needs it on every page, and it would
    otherwise cost a second query."""

    def get_user(self, user_id):
        try:
            user = users_with_role().get(pk=user_id)
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        user.is_mediator = user.mediates  # fills User.is_mediator (a cached property) for this request
        return user
