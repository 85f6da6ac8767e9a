"""Requests the portal refuses before any view sees them."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse


class RejectNulBytesMiddleware:
    """A NUL byte (%00) in the path or the query string is a 400 (the French page).

    PostgreSQL refuses NUL in text, so a lookup by such a token, slug or search term would fail
    deep in a view with a 500. No link of the portal ever holds one. Forms are not concerned:
    Django's form fields refuse NUL with a message at the field.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL byte in the URL")
        return self.get_response(request)
