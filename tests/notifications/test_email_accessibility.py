"""The HTML of the emails passes axe-core (serious and critical rules) in a real Chromium."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.enums import BookingStatus
from notifications.models import OutboxMessage
from notifications.rendering import render_message
from tests.bookings.factories import booking_with_coordinators
from tests.conftest import serious_axe_violations


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("template", "status"),
    [
        ("reminder", BookingStatus.CONFIRMED),
        ("session_cancelled", BookingStatus.CANCELLED),
        ("waitlist_cleared", BookingStatus.CANCELLED),
    ],
)
def test_email_html_has_no_serious_accessibility_violation(browser, template, status):
    booking, (user,) = booking_with_coordinators(start_in=dt.timedelta(days=3), status=status)
    message = OutboxMessage.objects.create(
        template=template,
        to=user.email,
        dedupe_key=f"a11y-{template}",
        booking=booking,
        context={"booking_id": booking.pk, "reason": "Travaux dans le hall."},
        not_before=booking.created_at,
    )
    html = render_message(message).alternatives[0][0]
    page = browser.new_page()
    try:
        page.set_content(html)

        violations = serious_axe_violations(page)

        assert page.locator("html").get_attribute("lang") == "fr"
        assert violations == []
    finally:
        page.close()
