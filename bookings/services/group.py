"""The group a structure books for: one value, built by the booking form, taken by the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from programmes.models import AccessibilityOption

from ..models import Booking


@dataclass(frozen=True, kw_only=True)
class Group:
    """Who comes and what they need. For relais offers (booked per person): one participant, no staff.

    `accessibility_needs`: the options ticked; `accessibility_notes`: needs only, never names.
    """

    participants: int
    accompanying_staff: int = 0
    wheelchair_users: int = 0
    accessibility_needs: tuple[AccessibilityOption, ...] = field(default=())
    accessibility_notes: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    comment: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "accessibility_needs", tuple(self.accessibility_needs))

    @property
    def seats(self) -> int:
        """The seats the group takes: participants and accompanying staff together."""
        return self.participants + self.accompanying_staff

    @classmethod
    def of(cls, booking: Booking) -> Group:
        """The group of a booking as it is (to change a part of it with `dataclasses.replace`)."""
        return cls(
            participants=booking.participants,
            accompanying_staff=booking.accompanying_staff,
            wheelchair_users=booking.wheelchair_users,
            accessibility_needs=tuple(booking.accessibility_needs.all()),
            accessibility_notes=booking.accessibility_notes,
            contact_name=booking.contact_name,
            contact_phone=booking.contact_phone,
            comment=booking.comment,
        )
