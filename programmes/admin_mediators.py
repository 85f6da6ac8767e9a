"""Admin for mediators: their assignment to sessions and their unavailabilities.

Owned by the mediators' work (issue 4); programmes/admin.py imports AssignmentInline from here.
"""

from django.contrib import admin

from .models import Assignment


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["mediator"]
