"""The demo programme, created as its people would create it: through the portal's own services.

`demo_seed()` loads the content of `demo.data` (idempotent). Everything is looked up by a natural key
(slug, email, structure name and city, offer + start + place...) and created only when missing, so
running it twice creates nothing twice. The calendar is laid out from an anchor day: the day the demo
staff account was first created (the first run), so that later runs find the very same sessions
instead of adding new ones. The generated part (bookings, attendance) comes from `random.Random(2026)`:
it is the same at every run from the same anchor.

What people do goes through the services, so the demo obeys the rules as anyone would (as pretalx's
`create_test_event` does): structures are registered, approved or suspended, colleagues invited and
joining; the public holidays are added as closing days; the mediator declares a day away; mediators
are assigned to the sessions to come; groups and relais book them or join a waiting list; structures
send project requests that staff answer. What the rules would refuse is planned otherwise rather
than written around them: a session to come whose bookings have closed gets none, a mediator busy
or away then is replaced by a free colleague.

Written directly with the ORM: what no service creates (the demo accounts, which have a published
password or none; exhibitions, offers and projects, which staff enter in the admin; the sessions
themselves, until `programmes.services.session_create` exists) and the past: sessions gone by with
their mediators, bookings and attendance, the training records that attendance gave, the dates the
structures were approved, the request that became the Dép'art cycle.

Emails: the services queue their emails in the outbox as they would for real people. The seed
deletes the rows queued during its transaction before it commits, so that no email goes to these
invented addresses (nor to the staff addresses of the settings) and the outbox shows only what the
people trying the demo do afterwards, empty as the demo always left it. (On a development database
nobody else queues emails meanwhile; the command refuses to run without DEBUG.)
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from bookings.enums import BookingStatus
from bookings.models import AttendanceChange, Booking, ProjectRequest
from bookings.services import (
    BookingError,
    booking_create,
    request_answer,
    request_create,
    session_seats_recount,
    waitlist_join,
)
from bookings.services import Group as BookingGroup
from notifications.models import OutboxMessage
from partners.enums import StructureStatus, TrainingModule, TrainingSource
from partners.models import MEDIATORS_GROUP, Invitation, Membership, Structure, TrainingRecord, User
from partners.services import (
    PartnerError,
    invitation_accept,
    invitation_create,
    structure_approve,
    structure_register,
    structure_suspend,
)
from programmes.enums import PER_PERSON_KINDS, OfferKind, SessionStatus
from programmes.models import (
    AccessibilityOption,
    Assignment,
    ClosingDay,
    Exhibition,
    MediatorUnavailability,
    Offer,
    Project,
    Session,
)
from programmes.season import closing_days_seed
from programmes.services import ProgrammeError, mediator_assign, session_create, unavailability_create

from . import data

T = TypeVar("T")

TRAINING_OF = {
    OfferKind.ABC: TrainingModule.ABC,
    OfferKind.DEEPENING: TrainingModule.DEEPENING,
    OfferKind.AUTONOMY_SUPPORT: TrainingModule.AUTONOMY_SUPPORT,
}
# The phone for the day of a booking made by someone without a phone on their account.
FALLBACK_PHONE = "03 21 00 00 00"


@dataclass
class Summary:
    """What a run created (counts by model name) and what the rules refused (messages)."""

    anchor: dt.date | None = None
    created: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)

    def created_text(self) -> str:
        parts = [f"{count} {name}" for name, count in sorted(self.created.items()) if count]
        return ", ".join(parts) or "nothing new to create"


@dataclass
class PlannedSession:
    offer: str
    start: dt.datetime
    place: str
    capacity: int
    project: str | None = None
    status: str = SessionStatus.PLANNED
    cancellation_reason: str = ""
    mediators: list[str] = field(default_factory=list)
    bookings: list[PlannedBooking] = field(default_factory=list)
    filled: bool = False  # planned by hand: the generic filling leaves it alone

    @property
    def key(self) -> tuple[str, dt.datetime, str]:
        return (self.offer, self.start, self.place)

    def seats_left(self) -> int:
        seated = [
            b for b in self.bookings if b.status not in (BookingStatus.CANCELLED, BookingStatus.WAITLISTED)
        ]
        return self.capacity - sum(b.participants + b.staff for b in seated)


@dataclass
class PlannedBooking:
    structure: tuple[str, str]
    booked_by: str
    attendee: str | None
    status: str
    participants: int
    staff: int
    present_participants: int | None = None
    present_staff: int | None = None
    wheelchair_users: int = 0
    needs: list[str] = field(default_factory=list)
    comment: str = ""


@dataclass
class Demo:
    """What the steps of the seed share: the objects found or created so far, by natural key."""

    summary: Summary
    password: str = ""
    anchor: dt.date = dt.date.min
    staff: User | None = None
    mediators: list[User] = field(default_factory=list)
    closed: set[dt.date] = field(default_factory=set)
    exhibitions: dict[str, Exhibition] = field(default_factory=dict)
    options: dict[str, AccessibilityOption] = field(default_factory=dict)
    offers: dict[str, Offer] = field(default_factory=dict)
    structures: dict[tuple[str, str], Structure] = field(default_factory=dict)
    coordinators: dict[tuple[str, str], list[User]] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)

    @property
    def now(self) -> dt.datetime:
        """The calendar's present: what starts before is the past, what starts after is to come."""
        return at(self.anchor, 12)

    def bookable(self, session: PlannedSession) -> bool:
        """Whether the session still takes bookings on the anchor day, until its very end (the first
        run happens on that day): its booking deadline is the one `save_sessions` writes."""
        offer = self.offers[session.offer]
        deadline = offer.booking_deadline_for(session.start)
        return session.status == SessionStatus.PLANNED and deadline >= at(
            self.anchor + dt.timedelta(days=1), 0
        )


def demo_seed() -> Summary:
    """Load the demo programme (idempotent), in one transaction. Returns what was created."""
    summary = Summary()
    with transaction.atomic():
        last_message = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        demo = Demo(summary=summary, password=make_password(data.DEMO_PASSWORD))
        seed_people(demo)
        summary.anchor = demo.anchor
        seed_closing_days(demo)
        seed_exhibitions(demo)
        seed_offers(demo)
        seed_structures(demo)
        seed_projects(demo)
        plan = plan_sessions(demo)
        plan_bookings(demo, plan)
        sessions = save_sessions(demo, plan)
        save_past(demo, plan, sessions)
        seed_unavailability(demo)
        assign_mediators(demo, plan, sessions)
        book_sessions_to_come(demo, plan, sessions)
        seed_requests(demo)
        seed_invitation(demo)
        # The emails the services queued for these invented people: never sent (see the docstring).
        OutboxMessage.objects.filter(pk__gt=last_message).delete()
    return summary


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def upsert(demo: Demo, model, lookup: dict, values: dict):
    """Get by natural key and update only what differs (no needless writes or history rows)."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        demo.summary.created[model._meta.model_name] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    return obj


def bulk_create(demo: Demo, model, objects: list) -> list:
    if objects:
        objects = model._default_manager.bulk_create(objects, batch_size=500)
        demo.summary.created[model._meta.model_name] += len(objects)
    return objects


def attempt(demo: Demo, what: str, service: Callable[..., T], /, **arguments) -> T | None:
    """Call the service as a person would; if the rules refuse it now, leave it out and say why.

    On the first run nothing is refused (the plan keeps to the rules; a test holds it). A later run
    only retries what is missing (someone deleted it), and time has moved on since the anchor day.
    """
    try:
        return service(**arguments)
    except (BookingError, PartnerError, ProgrammeError) as exc:
        demo.summary.refused.append(f"{what}: {exc}")
        return None


def two_digits(rng: random.Random) -> str:
    return str(rng.randint(10, 99))


def _structure_key(name: str, city: str) -> tuple[str, str]:
    return (name.lower(), city.lower())


def _when(start: dt.datetime) -> str:
    return timezone.localtime(start).strftime("%d/%m/%Y %H:%M")


# ----------------------------------------------------------------------------------------------
# People, places, offers, structures
# ----------------------------------------------------------------------------------------------


def seed_people(demo: Demo) -> None:
    """The three demo accounts (with the published password) and the other mediators (without any):
    no service creates an account without a password of its owner's choosing, so they are written."""
    mediators_group, _created = Group.objects.get_or_create(name=MEDIATORS_GROUP)
    staff = account(demo, data.STAFF, is_staff=True, is_superuser=True)
    mediator = account(demo, data.MEDIATOR)
    mediator.groups.add(mediators_group)
    demo.mediators = [mediator]
    for person in data.OTHER_MEDIATORS:
        other = upsert(
            demo,
            User,
            {"email": person["email"]},
            {"first_name": person["first_name"], "last_name": person["last_name"], "email_verified": True},
        )
        if other.password == "":
            other.set_unusable_password()
            other.save(update_fields=["password"])
        other.groups.add(mediators_group)
        demo.mediators.append(other)
    account(demo, data.COORDINATOR)
    demo.staff = staff
    demo.anchor = timezone.localdate(staff.date_joined)


def account(demo: Demo, person: dict, **flags) -> User:
    user = User.objects.filter(email=person["email"]).first()
    values = {
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "phone": person.get("phone", ""),
        "email_verified": True,
        "is_active": True,
        **flags,
    }
    if user is None:
        user = User(email=person["email"], password=demo.password, **values)
        user.save()
        demo.summary.created["user"] += 1
        return user
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, values[name])
    if not user.check_password(data.DEMO_PASSWORD):
        user.password = demo.password
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user


def seed_closing_days(demo: Demo) -> None:
    years = (demo.anchor.year - 1, demo.anchor.year, demo.anchor.year + 1)
    demo.summary.created["closingday"] += closing_days_seed(years=years)
    demo.closed = set(ClosingDay.objects.values_list("date", flat=True))


def seed_exhibitions(demo: Demo) -> None:
    for item in data.EXHIBITIONS:
        values = {k: v for k, v in item.items() if k != "slug"}
        demo.exhibitions[item["slug"]] = upsert(demo, Exhibition, {"slug": item["slug"]}, values)


def seed_offers(demo: Demo) -> None:
    options = {option.code: option for option in AccessibilityOption.objects.all()}
    for code in {code for item in data.OFFERS for code in item["accessibility"]} - set(options):
        options[code] = AccessibilityOption.objects.create(code=code)
    demo.options = options
    for item in data.OFFERS:
        values = {k: v for k, v in item.items() if k not in {"slug", "accessibility", "exhibition"}}
        values["exhibition"] = demo.exhibitions[item["exhibition"]] if item["exhibition"] else None
        values["is_published"] = True
        offer = upsert(demo, Offer, {"slug": item["slug"]}, values)
        offer.accessibility.set([options[code] for code in item["accessibility"]])
        demo.offers[item["slug"]] = offer


def seed_structures(demo: Demo) -> None:
    """Each structure registered by its first coordinator, approved (or suspended) by staff; its other
    coordinators invited by the first and joining. Their accounts exist already (see `seed_people`)."""
    rng = random.Random(2026)
    registrations: list[tuple[tuple[str, str], dict, str, int]] = []
    people: list[tuple[tuple[str, str], dict]] = []
    for index, (name, kind, city, postcode, departement, status, publics) in enumerate(data.STRUCTURES):
        slug = slugify(name)
        form = {
            "name": name,
            "kind": kind,
            "city": city,
            "address": f"{rng.randint(1, 180)} {data.STREETS[index % len(data.STREETS)]}",
            "postcode": postcode,
            "departement": departement,
            "phone": f"03 {21 if departement == '62' else 27} {two_digits(rng)} {two_digits(rng)} "
            f"{two_digits(rng)}",
            "email": f"contact@{slug}.exemple.fr",
            "publics": publics,
        }
        approved_days_ago = rng.randint(60, 900)
        key = (name, city)
        registrations.append((key, form, status, approved_days_ago))
        count = 2 if rng.random() < 0.35 else 1
        for _ in range(count):
            first = rng.choice(data.FIRST_NAMES)
            last = rng.choice(data.LAST_NAMES)
            email = f"{slugify(first)}.{slugify(last)}@{slug}.exemple.fr"
            phone = " ".join(["06", *(two_digits(rng) for _ in range(4))])
            people.append((key, {"email": email, "first_name": first, "last_name": last, "phone": phone}))
    # The demo coordinator belongs to an active structure, first among its coordinators.
    people.insert(0, (data.COORDINATOR_STRUCTURE, {"email": data.COORDINATOR["email"]}))

    users = User.objects.in_bulk([p["email"] for _, p in people], field_name="email")
    new_users = []
    for _, person in people:
        if person["email"] not in users:
            user = User(
                email=person["email"],
                first_name=person["first_name"],
                last_name=person["last_name"],
                phone=person["phone"],
                email_verified=True,
            )
            user.set_unusable_password()
            users[person["email"]] = user
            new_users.append(user)
    bulk_create(demo, User, new_users)
    for key, person in people:
        coordinators = demo.coordinators.setdefault(key, [])
        if users[person["email"]] not in coordinators:
            coordinators.append(users[person["email"]])

    existing = {_structure_key(s.name, s.city): s for s in Structure.objects.all()}
    for key, form, status, approved_days_ago in registrations:
        structure = existing.get(_structure_key(*key))
        if structure is None:
            structure = register(demo, key, form, status, approved_days_ago)
        demo.structures[key] = structure

    members = set(Membership.objects.values_list("user_id", "structure_id"))
    for key, person in people:
        user, structure = users[person["email"]], demo.structures[key]
        if (user.pk, structure.pk) in members:
            continue
        members.add((user.pk, structure.pk))
        first = Membership.objects.filter(structure=structure).select_related("user").order_by("pk").first()
        if first is None:
            demo.summary.refused.append(f"{user.email} joining {structure.name}: nobody there to invite them")
            continue
        invitation = attempt(
            demo,
            f"invitation of {user.email} to {structure.name}",
            invitation_create,
            structure=structure,
            email=user.email,
            invited_by=first.user,
        )
        if invitation is None:
            continue
        demo.summary.created["invitation"] += 1
        if attempt(
            demo,
            f"{user.email} joining {structure.name}",
            invitation_accept,
            token=invitation.token,
            user=user,
        ):
            demo.summary.created["membership"] += 1


def register(demo: Demo, key: tuple[str, str], form: dict, status: str, approved_days_ago: int) -> Structure:
    """Register the structure as its first coordinator does, then staff decide; a refusal here is a
    mistake in `demo.data` (every name is new, every field valid), so it is not caught."""
    membership = structure_register(**form, user=demo.coordinators[key][0])
    demo.summary.created["structure"] += 1
    demo.summary.created["membership"] += 1
    structure = membership.structure
    if status == StructureStatus.PENDING:
        return structure
    structure = structure_approve(structure=structure)
    if status == StructureStatus.SUSPENDED:
        structure = structure_suspend(structure=structure, reason=data.SUSPENSION_REASON)
    # Approved long ago: that date is the past, written as it was.
    structure.approved_at = timezone.now() - dt.timedelta(days=approved_days_ago)
    Structure.objects.filter(pk=structure.pk).update(approved_at=structure.approved_at)
    return structure


def seed_projects(demo: Demo) -> None:
    for item in (data.TOUR_DE_BABEL, data.DEPART):
        values = {k: v for k, v in item.items() if k not in {"slug", "partners", "exhibition"}}
        values["exhibition"] = demo.exhibitions[item["exhibition"]] if item["exhibition"] else None
        if item is data.DEPART:
            values["start_date"] = demo.anchor - dt.timedelta(days=63)
            values["end_date"] = demo.anchor + dt.timedelta(days=84)
        project = upsert(demo, Project, {"slug": item["slug"]}, values)
        project.partners.set([demo.structures[key] for key in item["partners"]])
        demo.projects[item["slug"]] = project


# ----------------------------------------------------------------------------------------------
# The calendar, planned in memory
# ----------------------------------------------------------------------------------------------


def plan_sessions(demo: Demo) -> list[PlannedSession]:
    rng = random.Random(2026)
    anchor = demo.anchor
    monday = anchor - dt.timedelta(days=anchor.weekday())
    plan: list[PlannedSession] = []
    mediator_emails = [m.email for m in demo.mediators]
    for week in range(-data.PAST_WEEKS, data.FUTURE_WEEKS + 1):
        for slug, (weekday, hour, minute, every, offset, capacity) in data.RHYTHM.items():
            if (week + offset) % every:
                continue
            day = monday + dt.timedelta(weeks=week, days=weekday)
            if day in demo.closed or anchor - dt.timedelta(days=1) <= day <= anchor + dt.timedelta(2):
                continue
            if week < 0 and slug == "visite-en-autonomie" and week % 2:
                continue
            session = PlannedSession(
                offer=slug, start=at(day, hour, minute), place=data.PLACES[slug], capacity=capacity
            )
            plan.append(session)
    # Dép'art: a co-built cycle every second Wednesday with the Lens employment agency.
    start = anchor - dt.timedelta(days=anchor.weekday()) - dt.timedelta(weeks=8) + dt.timedelta(data.WED)
    for index in range(9):
        day = start + dt.timedelta(weeks=2 * index)
        if day in demo.closed:
            continue
        plan.append(
            PlannedSession(
                offer="cycle-co-construit",
                start=at(day, 9, 30),
                place=data.PLACES["cycle-co-construit"],
                capacity=15,
                project="dep-art",
            )
        )
    # Tour de Babel (2016): writing workshops around the Mesopotamia exhibition.
    day = dt.date(2016, 10, 5)
    while day <= dt.date(2017, 1, 18):
        if day not in {dt.date(2016, 12, 28)}:
            plan.append(
                PlannedSession(
                    offer="cycle-co-construit",
                    start=at(day, 14, 0),
                    place="Ateliers pédagogiques",
                    capacity=16,
                    project="tour-de-babel",
                )
            )
        day += dt.timedelta(weeks=2)
    plan.sort(key=lambda s: s.start)

    # Who leads each session. To come, it is who staff would ask first: `assign_mediators` asks a
    # colleague when that person is busy or away then.
    for session in plan:
        kind = demo.offers[session.offer].kind
        if session.project == "tour-de-babel" or kind == OfferKind.AUTONOMOUS_VISIT:
            continue  # the relais leads it (or it was before these mediators' time)
        if session.start < demo.now:
            session.mediators = [rng.choice(mediator_emails)]
            if rng.random() < 0.04:
                session.status = SessionStatus.CANCELLED
                session.cancellation_reason = rng.choice(data.CANCELLATION_REASONS)
        else:
            draw = rng.random()
            if draw < 0.45:
                session.mediators = [mediator_emails[0]]
            elif draw < 0.75:
                session.mediators = [rng.choice(mediator_emails[1:])]
    return plan


def plan_bookings(demo: Demo, plan: list[PlannedSession]) -> None:
    rng = random.Random(2026)
    now = demo.now
    demo_key = data.COORDINATOR_STRUCTURE
    demo_email = data.COORDINATOR["email"]
    statuses = {key: demo.structures[key].status for key in demo.structures}
    trained: set[str] = set()  # coordinators who attended L'ABC du musée, as the calendar goes
    # (email, offer kind) of the relais already booked or trained: nobody takes a module twice.
    taken_modules: set[tuple[str, str]] = set()

    def group_size(offer: Offer) -> tuple[int, int]:
        participants = rng.randint(max(offer.min_group_size, 4), offer.max_group_size)
        ratio = offer.participants_per_staff or 6
        return participants, max(1, math.ceil(participants / ratio))

    def add_group(session: PlannedSession, key, status: str, participants=None, staff=None, booked_by=None):
        offer = demo.offers[session.offer]
        if participants is None:
            participants, staff = group_size(offer)
        if status != BookingStatus.WAITLISTED:
            while participants + staff > session.seats_left() and participants > offer.min_group_size:
                participants -= 1
            if participants + staff > session.seats_left():
                return None
        booking = PlannedBooking(
            structure=key,
            booked_by=booked_by or demo.coordinators[key][0].email,
            attendee=None,
            status=status,
            participants=participants,
            staff=staff,
        )
        if offer.slug == "visite-sensorielle-tactile":
            booking.needs = ["tactile", "audio_description"]
        elif offer.slug == "visite-en-lsf":
            booking.needs = ["lsf"]
        elif offer.slug == "visite-facile-a-lire-falc":
            booking.needs = ["falc"]
        if rng.random() < 0.15:
            booking.wheelchair_users = 1
            booking.needs = [*booking.needs, "wheelchair"]
        session.bookings.append(booking)
        return booking

    def add_relais(session: PlannedSession, key, email: str, status: str):
        booking = PlannedBooking(
            structure=key, booked_by=email, attendee=email, status=status, participants=1, staff=0
        )
        session.bookings.append(booking)
        taken_modules.add((email, demo.offers[session.offer].kind))
        return booking

    def attended(booking: PlannedBooking | None) -> None:
        if booking is not None:
            booking.present_participants = booking.participants
            booking.present_staff = booking.staff

    by_offer: dict[str, list[PlannedSession]] = defaultdict(list)
    for session in plan:
        if session.project is None:
            by_offer[session.offer].append(session)

    def nth(slug: str, index: int) -> PlannedSession:
        """index >= 0: the nth session to come that still takes bookings; index < 0: the nth session
        before the anchor."""
        past = [s for s in by_offer[slug] if s.start < now and s.status == SessionStatus.PLANNED]
        future = [s for s in by_offer[slug] if s.start >= now and demo.bookable(s)]
        return future[index] if index >= 0 else past[index]

    # The demo coordinator's story: trained at L'ABC a while ago, visits past and to come,
    # a deepening course booked, and a place on the waiting list of a full session.
    first_abc = next(s for s in by_offer["abc-du-musee"] if s.status == SessionStatus.PLANNED)
    attended(add_relais(first_abc, demo_key, demo_email, BookingStatus.ATTENDED))
    attended(add_group(nth("visite-decouverte-1h", -3), demo_key, BookingStatus.ATTENDED))
    attended(add_group(nth("visite-facile-a-lire-falc", -2), demo_key, BookingStatus.ATTENDED))
    add_group(nth("visite-decouverte-1h", 1), demo_key, BookingStatus.CONFIRMED)
    add_group(nth("visite-approfondie-1h30", 2), demo_key, BookingStatus.CONFIRMED)
    add_relais(nth("stage-d-approfondissement", 0), demo_key, demo_email, BookingStatus.CONFIRMED)
    add_group(nth("visite-en-autonomie", 2), demo_key, BookingStatus.CONFIRMED, booked_by=demo_email)
    full = nth("visite-sensorielle-tactile", 0)
    add_group(full, ("SAMSAH de la Gohelle", "Avion"), BookingStatus.CONFIRMED, participants=9, staff=3)
    add_group(full, demo_key, BookingStatus.WAITLISTED, participants=6, staff=2)
    full.filled = True

    # Dép'art and Tour de Babel: the partner of the project comes to every session.
    for session in plan:
        if session.project == "dep-art":
            add_group(session, ("Agence France Travail de Lens", "Lens"), BookingStatus.CONFIRMED, 10, 2)
        elif session.project == "tour-de-babel":
            add_group(session, ("CADA Lens-Liévin", "Lens"), BookingStatus.CONFIRMED, 12, 2)

    for session in plan:
        if session.project or session.filled:
            continue
        offer = demo.offers[session.offer]
        past = session.start < now
        allowed = {StructureStatus.ACTIVE, StructureStatus.SUSPENDED} if past else {StructureStatus.ACTIVE}
        keys = [key for key, status in statuses.items() if status in allowed]
        if session.status == SessionStatus.CANCELLED:
            wanted = 1
        elif past:
            wanted = rng.randint(1, 2) if offer.kind not in PER_PERSON_KINDS else rng.randint(3, 7)
        else:
            weeks_ahead = (session.start - now).days // 7
            chance = 0.8 if weeks_ahead < 6 else 0.45
            if rng.random() > chance:
                continue
            wanted = rng.randint(1, 2) if offer.kind not in PER_PERSON_KINDS else rng.randint(1, 5)
        taken = {b.structure for b in session.bookings}
        if offer.kind in PER_PERSON_KINDS:
            taken_people = {b.attendee for b in session.bookings}
            candidates = [(key, user.email) for key in keys for user in demo.coordinators[key]]
            if offer.kind != OfferKind.ABC:
                candidates = [c for c in candidates if c[1] in trained]
            candidates = [
                c for c in candidates if c[1] not in taken_people and (c[1], offer.kind) not in taken_modules
            ]
            for key, email in rng.sample(candidates, min(wanted, len(candidates), session.seats_left())):
                add_relais(session, key, email, BookingStatus.CONFIRMED)
        else:
            if offer.requires_abc_training:
                keys = [k for k in keys if any(u.email in trained for u in demo.coordinators[k])]
            keys = [k for k in keys if k not in taken]
            for key in rng.sample(keys, min(wanted, len(keys))):
                booked_by = None
                if offer.requires_abc_training:
                    booked_by = next(u.email for u in demo.coordinators[key] if u.email in trained)
                add_group(session, key, BookingStatus.CONFIRMED, booked_by=booked_by)
        # After the session: attendance (or the cancellation of the session).
        if past:
            for booking in session.bookings:
                settle(rng, session, booking)
                if booking.status == BookingStatus.ATTENDED and offer.kind == OfferKind.ABC:
                    trained.add(booking.attendee)
    for session in plan:
        if session.project and session.start < now:
            for booking in session.bookings:
                settle(rng, session, booking)

    # Bookings close before the session (the offer's booking deadline): a session to come whose
    # bookings have closed by the end of the anchor day keeps none. (Drawn above all the same, so
    # that the rest of the calendar is the one every anchor day has always had.)
    for session in plan:
        if session.start >= now and not demo.bookable(session):
            session.bookings = []


def settle(rng: random.Random, session: PlannedSession, booking: PlannedBooking) -> None:
    if booking.status != BookingStatus.CONFIRMED:
        return
    if session.status == SessionStatus.CANCELLED:
        booking.status = BookingStatus.CANCELLED
        return
    draw = rng.random()
    if draw < 0.05:
        booking.status = BookingStatus.CANCELLED
        booking.comment = data.LATE_CANCELLATION_COMMENT
    elif draw < 0.15:
        booking.status = BookingStatus.ABSENT
        booking.present_participants = 0
        booking.present_staff = 0
    else:
        booking.status = BookingStatus.ATTENDED
        booking.present_participants = max(1, booking.participants - rng.choice([0, 0, 0, 1, 1, 2]))
        booking.present_staff = booking.staff


# ----------------------------------------------------------------------------------------------
# The calendar, saved: the sessions, the past as it was, what is to come through the services
# ----------------------------------------------------------------------------------------------

SessionKey = tuple[str, dt.datetime, str]


def save_sessions(demo: Demo, plan: list[PlannedSession]) -> dict[SessionKey, Session]:
    """Every session: those to come through `programmes.services.session_create`, as staff create
    them; the past ones (and the ones cancelled then) written directly, as they were."""
    slug_of = {offer.pk: slug for slug, offer in demo.offers.items()}
    existing = {
        (slug_of[s.offer_id], s.start, s.place): s
        for s in Session.objects.filter(offer__in=demo.offers.values())
    }
    past_sessions = []
    for planned in plan:
        if planned.key in existing:
            continue
        offer = demo.offers[planned.offer]
        project = demo.projects[planned.project] if planned.project else None
        if planned.start >= demo.now and planned.status == SessionStatus.PLANNED:
            existing[planned.key] = session_create(
                offer=offer,
                start=planned.start,
                place=planned.place,
                capacity=planned.capacity,
                project=project,
            )
            continue
        session = Session(
            offer=offer,
            start=planned.start,
            end=offer.session_end(planned.start),
            place=planned.place,
            capacity=planned.capacity,
            booking_deadline=offer.booking_deadline_for(planned.start),
            status=planned.status,
            cancellation_reason=planned.cancellation_reason,
            project=project,
        )
        past_sessions.append(session)
        existing[planned.key] = session
    bulk_create(demo, Session, past_sessions)
    return existing


def _users(demo: Demo, plan: list[PlannedSession]) -> dict[str, User]:
    emails = {m.email for m in demo.mediators}
    for planned in plan:
        for item in planned.bookings:
            emails.add(item.booked_by)
            if item.attendee:
                emails.add(item.attendee)
    return {u.email: u for u in User.objects.filter(email__in=emails)}


def save_past(demo: Demo, plan: list[PlannedSession], sessions: dict[SessionKey, Session]) -> None:
    """The sessions gone by as they went: who led them, who came, the training it gave."""
    past = [planned for planned in plan if planned.start < demo.now]
    users = _users(demo, past)

    assignments = set(Assignment.objects.values_list("session_id", "mediator_id"))
    new_assignments = []
    for planned in past:
        session = sessions[planned.key]
        for email in planned.mediators:
            pair = (session.pk, users[email].pk)
            if pair not in assignments:
                assignments.add(pair)
                new_assignments.append(Assignment(session=session, mediator=users[email]))
    bulk_create(demo, Assignment, new_assignments)

    booked = set(Booking.objects.values_list("session_id", "structure_id", "attendee_id"))
    new_bookings: list[tuple[Booking, PlannedBooking, PlannedSession]] = []
    for planned in past:
        session = sessions[planned.key]
        end = planned.start + dt.timedelta(minutes=demo.offers[planned.offer].duration_minutes)
        for item in planned.bookings:
            structure = demo.structures[item.structure]
            attendee = users[item.attendee] if item.attendee else None
            key = (session.pk, structure.pk, attendee.pk if attendee else None)
            if key in booked:
                continue
            booked.add(key)
            contact = users[item.booked_by]
            settled = item.status in (BookingStatus.ATTENDED, BookingStatus.ABSENT)
            booking = Booking(
                session=session,
                structure=structure,
                booked_by=contact,
                attendee=attendee,
                status=item.status,
                participants=item.participants,
                accompanying_staff=item.staff,
                wheelchair_users=item.wheelchair_users,
                contact_name=contact.get_full_name(),
                contact_phone=contact.phone or FALLBACK_PHONE,
                comment=item.comment,
                present_participants=item.present_participants,
                present_staff=item.present_staff,
                attendance_recorded_at=end + dt.timedelta(hours=1) if settled else None,
                cancelled_at=(
                    planned.start - dt.timedelta(days=3) if item.status == BookingStatus.CANCELLED else None
                ),
            )
            new_bookings.append((booking, item, planned))
    bulk_create(demo, Booking, [b for b, _, _ in new_bookings])
    # Written directly, as they went: their sessions' seats are counted again from them.
    session_seats_recount(session_ids={booking.session_id for booking, _, _ in new_bookings})

    Need = Booking.accessibility_needs.through
    bulk_create(
        demo,
        Need,
        [
            Need(booking_id=booking.pk, accessibilityoption_id=demo.options[code].pk)
            for booking, item, _ in new_bookings
            for code in dict.fromkeys(item.needs)
        ],
    )
    changes = []
    for booking, item, planned in new_bookings:
        if item.status in (BookingStatus.ATTENDED, BookingStatus.ABSENT):
            recorder = users[planned.mediators[0]] if planned.mediators else demo.staff
            changes.append(
                AttendanceChange(
                    booking=booking,
                    changed_by=recorder,
                    old_status=BookingStatus.CONFIRMED,
                    new_status=item.status,
                    new_participants=item.present_participants,
                    new_staff=item.present_staff,
                )
            )
    bulk_create(demo, AttendanceChange, changes)

    records = set(TrainingRecord.objects.values_list("user_id", "module", "completed_on"))
    new_records = []
    for planned in past:
        module = TRAINING_OF.get(demo.offers[planned.offer].kind)
        if module is None:
            continue
        for item in planned.bookings:
            if item.status != BookingStatus.ATTENDED or not item.attendee:
                continue
            user = users[item.attendee]
            day = timezone.localdate(planned.start)
            if (user.pk, module, day) in records:
                continue
            records.add((user.pk, module, day))
            new_records.append(
                TrainingRecord(
                    user=user,
                    module=module,
                    completed_on=day,
                    source=TrainingSource.ATTENDANCE,
                    session=sessions[planned.key],
                    recorded_by=users.get(planned.mediators[0]) if planned.mediators else None,
                )
            )
    bulk_create(demo, TrainingRecord, new_records)


def seed_unavailability(demo: Demo) -> None:
    """The demo mediator's day away, declared before staff assign the sessions to come."""
    mediator = demo.mediators[0]
    day = demo.anchor + dt.timedelta(days=10)
    start, end = at(day, 9), at(day, 18)
    if MediatorUnavailability.objects.filter(mediator=mediator, start=start).exists():
        return
    away = attempt(
        demo,
        f"{mediator.email} away on {day:%d/%m/%Y}",
        unavailability_create,
        mediator=mediator,
        start=start,
        end=end,
        reason=data.UNAVAILABILITY_REASON,
    )
    if away is not None:
        demo.summary.created["mediatorunavailability"] += 1


def assign_mediators(demo: Demo, plan: list[PlannedSession], sessions: dict[SessionKey, Session]) -> None:
    """Staff assign a mediator to the sessions to come: the one planned, or when that person leads
    another session then or is away, the first colleague who is free (else nobody, for now)."""
    staffed = set(Assignment.objects.values_list("session_id", flat=True))
    for planned in plan:
        if planned.start < demo.now or not planned.mediators:
            continue
        session = sessions[planned.key]
        if session.pk in staffed:
            continue
        wished = planned.mediators[0]
        for mediator in sorted(demo.mediators, key=lambda m: m.email != wished):
            try:
                mediator_assign(session=session, mediator=mediator, by=demo.staff)
            except ProgrammeError:
                continue  # busy or away then: the next colleague is asked
            demo.summary.created["assignment"] += 1
            break


def book_sessions_to_come(
    demo: Demo, plan: list[PlannedSession], sessions: dict[SessionKey, Session]
) -> None:
    """Groups and relais book the sessions to come, or join a waiting list, as on the booking page."""
    upcoming = [planned for planned in plan if planned.start >= demo.now]
    users = _users(demo, upcoming)
    booked = set(Booking.objects.values_list("session_id", "structure_id", "attendee_id"))
    for planned in upcoming:
        session = sessions[planned.key]
        for item in planned.bookings:
            structure = demo.structures[item.structure]
            attendee = users[item.attendee] if item.attendee else None
            key = (session.pk, structure.pk, attendee.pk if attendee else None)
            if key in booked:
                continue
            booked.add(key)
            user = users[item.booked_by]
            needs = [demo.options[code] for code in dict.fromkeys(item.needs)]
            booking = attempt(
                demo,
                f"{structure.name} booking “{session.offer.title}” on {_when(session.start)}",
                waitlist_join if item.status == BookingStatus.WAITLISTED else booking_create,
                session=session,
                structure=structure,
                user=user,
                group=BookingGroup(
                    participants=item.participants,
                    accompanying_staff=item.staff,
                    wheelchair_users=item.wheelchair_users,
                    accessibility_needs=tuple(needs),
                    contact_name=user.get_full_name(),
                    contact_phone=user.phone or FALLBACK_PHONE,
                    comment=item.comment,
                ),
            )
            if booking is not None:
                demo.summary.created["booking"] += 1
                demo.summary.created["booking_accessibility_needs"] += len(needs)


# ----------------------------------------------------------------------------------------------
# Requests and the invitation
# ----------------------------------------------------------------------------------------------


def seed_requests(demo: Demo) -> None:
    """Structures ask for a cycle or a date, staff answer. The request that became the Dép'art cycle
    is the past (its period began before the anchor day): written as it was."""
    for item in data.REQUESTS:
        structure = demo.structures[item["structure"]]
        start_offset, end_offset = item["offset_days"]
        wished_start = demo.anchor + dt.timedelta(days=start_offset)
        request = ProjectRequest.objects.filter(
            structure=structure, kind=item["kind"], wished_start=wished_start
        ).first()
        if request is None and start_offset > 0:
            request = ask(demo, item, structure, wished_start, demo.anchor + dt.timedelta(days=end_offset))
        elif request is None:
            request = ProjectRequest.objects.create(
                structure=structure,
                kind=item["kind"],
                wished_start=wished_start,
                created_by=demo.coordinators[item["structure"]][0],
                wished_end=demo.anchor + dt.timedelta(days=end_offset),
                participants=item["participants"],
                group_description=item["group_description"],
                goals=item["goals"],
                exhibition=demo.exhibitions.get(item["exhibition"]) if item["exhibition"] else None,
                status=item["status"],
                answer=item["answer"],
                answered_by=demo.staff if item["answer"] else None,
                answered_at=timezone.now() if item["answer"] else None,
            )
            demo.summary.created["projectrequest"] += 1
        if request is None:
            continue
        if item["structure"] == ("Agence France Travail de Lens", "Lens") and request.project_id is None:
            request.project = demo.projects["dep-art"]
            request.save(update_fields=["project"])
            request.sessions.set(demo.projects["dep-art"].sessions.all())


def ask(
    demo: Demo, item: dict, structure: Structure, wished_start: dt.date, wished_end: dt.date
) -> ProjectRequest | None:
    request = attempt(
        demo,
        f"request of {structure.name} from {wished_start:%d/%m/%Y}",
        request_create,
        structure=structure,
        user=demo.coordinators[item["structure"]][0],
        kind=item["kind"],
        wished_start=wished_start,
        wished_end=wished_end,
        participants=item["participants"],
        group_description=item["group_description"],
        goals=item["goals"],
        exhibition=demo.exhibitions.get(item["exhibition"]) if item["exhibition"] else None,
    )
    if request is None:
        return None
    demo.summary.created["projectrequest"] += 1
    if item["answer"]:
        request = request_answer(
            request=request, status=item["status"], answer=item["answer"], answered_by=demo.staff
        )
    return request


def seed_invitation(demo: Demo) -> None:
    """The demo coordinator has invited a colleague, who has not joined yet."""
    structure = demo.structures[data.COORDINATOR_STRUCTURE]
    if Invitation.objects.filter(structure=structure, email=data.INVITED_COLLEAGUE).exists():
        return
    coordinator = User.objects.get(email=data.COORDINATOR["email"])
    invitation = attempt(
        demo,
        f"invitation of {data.INVITED_COLLEAGUE}",
        invitation_create,
        structure=structure,
        email=data.INVITED_COLLEAGUE,
        invited_by=coordinator,
    )
    if invitation is not None:
        demo.summary.created["invitation"] += 1
