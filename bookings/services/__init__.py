"""Every write and state change about bookings, the waiting list and project requests.

The package, along its seams:

- `errors`: `BookingErrorCode`, the messages of the refusals in one table, `BookingError`;
- `group`: `Group`, the group a structure books for (one value, built by the booking form);
- `rules`: the refusals shared by the services and the pages (`booking_blocker`, `seats_blocker`,
  `group_blocker`, `booking_can_be_cancelled`);
- `seats`: the session's row lock and its `seats_taken`, written under it;
- `booking`: create (and join the waiting list: the same insert), change, cancel;
- `waitlist`: seats freed offered to the waiting groups, confirmed, left, expired;
- `requests`: project requests ("Pensez-y !");
- `emails`: what the booking emails say, to whom, queued in the outbox.

Capacity is never exceeded: every change that takes or gives back seats runs inside
`transaction.atomic()`, locks the session row, reads the session's `seats_taken` there, decides,
then writes the booking and the new `seats_taken` in the same transaction. Emails are rows of the
outbox queued in the same transaction; they are sent after commit, and the pages' content version
is bumped after commit.
"""

from .booking import booking_cancel, booking_change, booking_create, booking_session_cancelled, waitlist_join
from .errors import COORDINATOR_CODES, ERROR_MESSAGES, BookingError, BookingErrorCode
from .group import Group
from .requests import request_answer, request_create
from .rules import booking_blocker, booking_can_be_cancelled, group_blocker, seats_blocker
from .seats import session_seats_recount
from .waitlist import waitlist_confirm, waitlist_expire_offers, waitlist_leave, waitlist_offer_next

__all__ = [
    "COORDINATOR_CODES",
    "ERROR_MESSAGES",
    "BookingError",
    "BookingErrorCode",
    "Group",
    "booking_blocker",
    "booking_can_be_cancelled",
    "booking_cancel",
    "booking_change",
    "booking_create",
    "booking_session_cancelled",
    "group_blocker",
    "request_answer",
    "request_create",
    "seats_blocker",
    "session_seats_recount",
    "waitlist_confirm",
    "waitlist_expire_offers",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offer_next",
]
