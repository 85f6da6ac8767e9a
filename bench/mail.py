"""An email backend for benchmarks: serialises each message as SMTP would, then drops it."""

from django.core.mail.backends.base import BaseEmailBackend


class SerializingNullBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            message.message().as_bytes(linesep="\r\n")
        return len(email_messages)
