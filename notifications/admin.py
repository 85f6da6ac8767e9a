"""Admin of the outbox.

Staff see every email the portal sent or tried to send, with its state, attempts and last error;
they may send a failed one again (`message_retry`). Messages are read-only: they are the record of
what the portal did.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .enums import MessageState
from .models import OutboxMessage
from .rendering import render_message
from .services import NotificationError, message_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "template",
        "to",
        "state_label",
        "attempts",
        "not_before",
        "sent_at",
        "error",
    ]
    list_filter = ["state", "template", "created_at"]
    search_fields = ["to", "dedupe_key", "template", "subject", "last_error"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    actions = ["send_again"]
    fields = [
        "state",
        "template",
        "to",
        "language",
        "subject",
        "attempts",
        "last_error",
        "not_before",
        "sending_since",
        "sent_at",
        "failed_at",
        "created_at",
        "booking",
        "dedupe_key",
        "context",
        "preview",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj: OutboxMessage) -> str:
        # In words, never by colour alone.
        return obj.get_state_display()

    @admin.display(description=_("last error"))
    def error(self, obj: OutboxMessage) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.display(description=_("content, rendered with today's data"))
    def preview(self, obj: OutboxMessage) -> str:
        try:
            email = render_message(obj)
        except Exception as exc:  # noqa: BLE001 - show staff why it cannot be rendered
            return format_html("<p>{}</p><pre>{}</pre>", _("This message cannot be rendered:"), exc)
        return format_html("<p><strong>{}</strong></p><pre>{}</pre>", email.subject, email.body)

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        # The outbox is read-only in admin; sending again needs the right to change it.
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.action(description=_("Send the selected failed messages again"), permissions=["send_again"])
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        failed = list(queryset.filter(state=MessageState.FAILED))
        skipped = len(queryset) - len(failed)
        done = 0
        for message in failed:
            try:
                message_retry(message=message)
            except NotificationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message will be sent again.", "%(count)d messages will be sent again.", done
                )
                % {"count": done},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was left alone: only failed messages can be sent again.",
                    "%(count)d messages were left alone: only failed messages can be sent again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
