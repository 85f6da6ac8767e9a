"""`python manage.py seed_demo`: fill the portal with the demo programme (idempotent).

Everything is looked up by a natural key (slug, email, structure name and city, offer + start +
place...) and created only when missing, so running the command twice creates nothing twice.
The calendar is laid out from an anchor day: the day the demo staff account was first created
(the first run), so that later runs find the very same sessions instead of adding new ones.
The generated part (bookings, attendance) comes from `random.Random(2026)`: it is the same at every
run from the same anchor.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from bookings.enums import BookingStatus
from bookings.models import AttendanceChange, Booking, ProjectRequest
from bookings.services import session_seats_recount
from partners.enums import StructureStatus, TrainingModule, TrainingSource
from partners.models import MEDIATORS_GROUP, Invitation, Membership, Structure, TrainingRecord, User
from programmes import demo_data as data
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

MON, WED, THU, FRI, SAT = 0, 2, 3, 4, 5  # never Tuesday: the museum is closed on Tuesdays

# offer slug -> (weekday, hour, minute, every n weeks, week offset, capacity)
RHYTHM = {
    "abc-du-musee": (THU, 14, 0, 2, 0, 14),
    "stage-d-approfondissement": (FRI, 9, 30, 6, 1, 12),
    "accompagnement-vers-l-autonomie": (MON, 14, 0, 4, 2, 6),
    "visite-decouverte-1h": (WED, 10, 0, 1, 0, 25),
    "visite-approfondie-1h30": (THU, 10, 0, 2, 1, 25),
    "visite-sensorielle-tactile": (FRI, 14, 0, 4, 0, 12),
    "visite-en-lsf": (MON, 10, 0, 6, 3, 18),
    "visite-facile-a-lire-falc": (WED, 14, 0, 3, 1, 18),
    "atelier-ecriture-tablettes-caracteres": (FRI, 10, 0, 3, 2, 16),
    "atelier-argumentation-posture": (MON, 14, 30, 6, 5, 15),
    "visite-en-autonomie": (SAT, 10, 30, 1, 0, 30),
}
PAST_WEEKS = 52
FUTURE_WEEKS = 17
TRAINING_OF = {
    OfferKind.ABC: TrainingModule.ABC,
    OfferKind.DEEPENING: TrainingModule.DEEPENING,
    OfferKind.AUTONOMY_SUPPORT: TrainingModule.AUTONOMY_SUPPORT,
}
CANCELLATION_REASONS = [
    "Le médiateur prévu est souffrant et n'a pas pu être remplacé.",
    "Les salles de la Galerie du temps étaient fermées pour un changement d'accrochage.",
]


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


def two_digits(rng: random.Random) -> str:
    return str(rng.randint(10, 99))


def _structure_key(name: str, city: str) -> tuple[str, str]:
    return (name.lower(), city.lower())


class Command(BaseCommand):
    help = "Load the demo programme (offers, sessions, partner structures, bookings) and three demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never on a production portal: it creates demo accounts).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates demo accounts with a published password: it only runs when DEBUG is on. "
                "Pass --force to run it anyway (never on a production portal)."
            )
        self.created: dict[str, int] = defaultdict(int)
        with transaction.atomic():
            self.seed()
        summary = ", ".join(f"{count} {name}" for name, count in sorted(self.created.items()) if count)
        self.stdout.write(self.style.SUCCESS(f"Demo programme ready ({summary or 'nothing new to create'})."))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all three: {data.DEMO_PASSWORD}):")
        self.stdout.write(f"  museum staff (admin: /admin/)  {data.STAFF['email']}")
        self.stdout.write(f"  mediator                       {data.MEDIATOR['email']}")
        self.stdout.write(f"  coordinator (relais)           {data.COORDINATOR['email']}")

    # ------------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------------

    def upsert(self, model, lookup: dict, values: dict):
        """Get by natural key and update only what differs (no needless writes or history rows)."""
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model._default_manager.create(**lookup, **values)
            self.created[model._meta.model_name] += 1
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
        return obj

    def bulk_create(self, model, objects: list) -> list:
        if objects:
            objects = model._default_manager.bulk_create(objects, batch_size=500)
            self.created[model._meta.model_name] += len(objects)
        return objects

    @staticmethod
    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    # ------------------------------------------------------------------------------------------
    # The seed
    # ------------------------------------------------------------------------------------------

    def seed(self) -> None:
        self.password = make_password(data.DEMO_PASSWORD)
        staff = self.seed_people()
        self.anchor = timezone.localdate(staff.date_joined)
        self.seed_closing_days()
        self.seed_exhibitions()
        self.seed_offers()
        self.seed_structures()
        self.seed_projects()
        plan = self.plan_sessions()
        self.plan_bookings(plan)
        self.save_plan(plan)
        self.seed_requests()
        self.seed_extras()

    def seed_people(self) -> User:
        mediators_group, _ = Group.objects.get_or_create(name=MEDIATORS_GROUP)
        staff = self.account(data.STAFF, is_staff=True, is_superuser=True)
        mediator = self.account(data.MEDIATOR)
        mediator.groups.add(mediators_group)
        self.mediators = [mediator]
        for person in data.OTHER_MEDIATORS:
            other = self.upsert(
                User,
                {"email": person["email"]},
                {
                    "first_name": person["first_name"],
                    "last_name": person["last_name"],
                    "email_verified": True,
                },
            )
            if other.password == "":
                other.set_unusable_password()
                other.save(update_fields=["password"])
            other.groups.add(mediators_group)
            self.mediators.append(other)
        self.account(data.COORDINATOR)
        self.staff = staff
        return staff

    def account(self, person: dict, **flags) -> User:
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
            user = User(email=person["email"], password=self.password, **values)
            user.save()
            self.created["user"] += 1
            return user
        changed = [name for name, value in values.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, values[name])
        if not user.check_password(data.DEMO_PASSWORD):
            user.password = self.password
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        return user

    def seed_closing_days(self) -> None:
        labels = {(1, 1): "Jour de l'an", (5, 1): "Fête du Travail", (12, 25): "Noël"}
        for year in (self.anchor.year - 1, self.anchor.year, self.anchor.year + 1):
            for (month, day), label in labels.items():
                self.upsert(ClosingDay, {"date": dt.date(year, month, day)}, {"label": label})
        self.closed = set(ClosingDay.objects.values_list("date", flat=True))

    def seed_exhibitions(self) -> None:
        self.exhibitions = {}
        for item in data.EXHIBITIONS:
            values = {k: v for k, v in item.items() if k != "slug"}
            self.exhibitions[item["slug"]] = self.upsert(Exhibition, {"slug": item["slug"]}, values)

    def seed_offers(self) -> None:
        options = {option.code: option for option in AccessibilityOption.objects.all()}
        for code in {code for item in data.OFFERS for code in item["accessibility"]} - set(options):
            options[code] = AccessibilityOption.objects.create(code=code)
        self.options = options
        self.offers: dict[str, Offer] = {}
        for item in data.OFFERS:
            values = {k: v for k, v in item.items() if k not in {"slug", "accessibility", "exhibition"}}
            values["exhibition"] = self.exhibitions[item["exhibition"]] if item["exhibition"] else None
            values["is_published"] = True
            offer = self.upsert(Offer, {"slug": item["slug"]}, values)
            offer.accessibility.set([options[code] for code in item["accessibility"]])
            self.offers[item["slug"]] = offer

    def seed_structures(self) -> None:
        rng = random.Random(2026)
        existing = {_structure_key(s.name, s.city): s for s in Structure.objects.all()}
        self.structures: dict[tuple[str, str], Structure] = {}
        self.coordinators: dict[tuple[str, str], list[User]] = {}
        people: list[tuple[tuple[str, str], dict]] = []
        for index, (name, kind, city, postcode, departement, status, publics) in enumerate(data.STRUCTURES):
            slug = slugify(name)
            values = {
                "kind": kind,
                "address": f"{rng.randint(1, 180)} {data.STREETS[index % len(data.STREETS)]}",
                "postcode": postcode,
                "departement": departement,
                "phone": f"03 {21 if departement == '62' else 27} {two_digits(rng)} {two_digits(rng)} "
                f"{two_digits(rng)}",
                "email": f"contact@{slug}.exemple.fr",
                "publics": publics,
                "status": status,
            }
            approved_days_ago = rng.randint(60, 900)
            key = (name, city)
            structure = existing.get(_structure_key(name, city))
            if structure is None:
                structure = Structure.objects.create(
                    name=name,
                    city=city,
                    approved_at=(
                        timezone.now() - dt.timedelta(days=approved_days_ago)
                        if status != StructureStatus.PENDING
                        else None
                    ),
                    status_reason=(
                        "Réservations non honorées à plusieurs reprises sans prévenir."
                        if status == StructureStatus.SUSPENDED
                        else ""
                    ),
                    **values,
                )
                self.created["structure"] += 1
            self.structures[key] = structure
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
        self.bulk_create(User, new_users)
        memberships = set(Membership.objects.values_list("user_id", "structure_id"))
        new_memberships = []
        for key, person in people:
            user = users[person["email"]]
            structure = self.structures[key]
            self.coordinators.setdefault(key, [])
            if user not in self.coordinators[key]:
                self.coordinators[key].append(user)
            if (user.pk, structure.pk) not in memberships:
                memberships.add((user.pk, structure.pk))
                new_memberships.append(Membership(user=user, structure=structure))
        self.bulk_create(Membership, new_memberships)

    def seed_projects(self) -> None:
        self.projects = {}
        for item in (data.TOUR_DE_BABEL, data.DEPART):
            values = {k: v for k, v in item.items() if k not in {"slug", "partners", "exhibition"}}
            values["exhibition"] = self.exhibitions[item["exhibition"]] if item["exhibition"] else None
            if item is data.DEPART:
                values["start_date"] = self.anchor - dt.timedelta(days=63)
                values["end_date"] = self.anchor + dt.timedelta(days=84)
            project = self.upsert(Project, {"slug": item["slug"]}, values)
            project.partners.set([self.structures[key] for key in item["partners"]])
            self.projects[item["slug"]] = project

    # ------------------------------------------------------------------------------------------
    # The calendar
    # ------------------------------------------------------------------------------------------

    def plan_sessions(self) -> list[PlannedSession]:
        rng = random.Random(2026)
        monday = self.anchor - dt.timedelta(days=self.anchor.weekday())
        plan: list[PlannedSession] = []
        mediator_emails = [m.email for m in self.mediators]
        for week in range(-PAST_WEEKS, FUTURE_WEEKS + 1):
            for slug, (weekday, hour, minute, every, offset, capacity) in RHYTHM.items():
                if (week + offset) % every:
                    continue
                day = monday + dt.timedelta(weeks=week, days=weekday)
                if day in self.closed or self.anchor - dt.timedelta(
                    days=1
                ) <= day <= self.anchor + dt.timedelta(2):
                    continue
                if week < 0 and slug == "visite-en-autonomie" and week % 2:
                    continue
                session = PlannedSession(
                    offer=slug, start=self.at(day, hour, minute), place=data.PLACES[slug], capacity=capacity
                )
                plan.append(session)
        # Dép'art: a co-built cycle every second Wednesday with the Lens employment agency.
        start = (
            self.anchor - dt.timedelta(days=self.anchor.weekday()) - dt.timedelta(weeks=8) + dt.timedelta(WED)
        )
        for index in range(9):
            day = start + dt.timedelta(weeks=2 * index)
            if day in self.closed:
                continue
            plan.append(
                PlannedSession(
                    offer="cycle-co-construit",
                    start=self.at(day, 9, 30),
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
                        start=self.at(day, 14, 0),
                        place="Ateliers pédagogiques",
                        capacity=16,
                        project="tour-de-babel",
                    )
                )
            day += dt.timedelta(weeks=2)
        plan.sort(key=lambda s: s.start)

        now = self.at(self.anchor, 12)
        for session in plan:
            kind = self.offers[session.offer].kind
            if session.project == "tour-de-babel" or kind == OfferKind.AUTONOMOUS_VISIT:
                continue  # the relais leads it (or it was before these mediators' time)
            if session.start < now:
                session.mediators = [rng.choice(mediator_emails)]
                if rng.random() < 0.04:
                    session.status = SessionStatus.CANCELLED
                    session.cancellation_reason = rng.choice(CANCELLATION_REASONS)
            else:
                draw = rng.random()
                if draw < 0.45:
                    session.mediators = [mediator_emails[0]]
                elif draw < 0.75:
                    session.mediators = [rng.choice(mediator_emails[1:])]
        return plan

    def plan_bookings(self, plan: list[PlannedSession]) -> None:
        rng = random.Random(2026)
        now = self.at(self.anchor, 12)
        demo_key = data.COORDINATOR_STRUCTURE
        demo_email = data.COORDINATOR["email"]
        statuses = {key: self.structures[key].status for key in self.structures}
        trained: set[str] = set()  # coordinators who attended L'ABC du musée, as the calendar goes
        # (email, offer kind) of the relais already booked or trained: nobody takes a module twice.
        taken_modules: set[tuple[str, str]] = set()

        def group_size(offer: Offer) -> tuple[int, int]:
            participants = rng.randint(max(offer.min_group_size, 4), offer.max_group_size)
            ratio = offer.participants_per_staff or 6
            return participants, max(1, math.ceil(participants / ratio))

        def add_group(
            session: PlannedSession, key, status: str, participants=None, staff=None, booked_by=None
        ):
            offer = self.offers[session.offer]
            if participants is None:
                participants, staff = group_size(offer)
            if status != BookingStatus.WAITLISTED:
                while participants + staff > session.seats_left() and participants > offer.min_group_size:
                    participants -= 1
                if participants + staff > session.seats_left():
                    return None
            booking = PlannedBooking(
                structure=key,
                booked_by=booked_by or self.coordinators[key][0].email,
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
            taken_modules.add((email, self.offers[session.offer].kind))
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
            """index >= 0: the nth session to come; index < 0: the nth session before the anchor."""
            past = [s for s in by_offer[slug] if s.start < now and s.status == SessionStatus.PLANNED]
            future = [s for s in by_offer[slug] if s.start >= now]
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
            offer = self.offers[session.offer]
            past = session.start < now
            allowed = (
                {StructureStatus.ACTIVE, StructureStatus.SUSPENDED} if past else {StructureStatus.ACTIVE}
            )
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
                candidates = [(key, user.email) for key in keys for user in self.coordinators[key]]
                if offer.kind != OfferKind.ABC:
                    candidates = [c for c in candidates if c[1] in trained]
                candidates = [
                    c
                    for c in candidates
                    if c[1] not in taken_people and (c[1], offer.kind) not in taken_modules
                ]
                for key, email in rng.sample(candidates, min(wanted, len(candidates), session.seats_left())):
                    add_relais(session, key, email, BookingStatus.CONFIRMED)
            else:
                if offer.requires_abc_training:
                    keys = [k for k in keys if any(u.email in trained for u in self.coordinators[k])]
                keys = [k for k in keys if k not in taken]
                for key in rng.sample(keys, min(wanted, len(keys))):
                    booked_by = None
                    if offer.requires_abc_training:
                        booked_by = next(u.email for u in self.coordinators[key] if u.email in trained)
                    add_group(session, key, BookingStatus.CONFIRMED, booked_by=booked_by)
            # After the session: attendance (or the cancellation of the session).
            if past:
                for booking in session.bookings:
                    self.settle(rng, session, booking)
                    if booking.status == BookingStatus.ATTENDED and offer.kind == OfferKind.ABC:
                        trained.add(booking.attendee)
        for session in plan:
            if session.project and session.start < now:
                for booking in session.bookings:
                    self.settle(rng, session, booking)

    @staticmethod
    def settle(rng: random.Random, session: PlannedSession, booking: PlannedBooking) -> None:
        if booking.status != BookingStatus.CONFIRMED:
            return
        if session.status == SessionStatus.CANCELLED:
            booking.status = BookingStatus.CANCELLED
            return
        draw = rng.random()
        if draw < 0.05:
            booking.status = BookingStatus.CANCELLED
            booking.comment = "Annulée par la structure : sortie reportée."
        elif draw < 0.15:
            booking.status = BookingStatus.ABSENT
            booking.present_participants = 0
            booking.present_staff = 0
        else:
            booking.status = BookingStatus.ATTENDED
            booking.present_participants = max(1, booking.participants - rng.choice([0, 0, 0, 1, 1, 2]))
            booking.present_staff = booking.staff

    # ------------------------------------------------------------------------------------------
    # Saving the plan
    # ------------------------------------------------------------------------------------------

    def save_plan(self, plan: list[PlannedSession]) -> None:
        offers_by_slug = self.offers
        slug_of = {offer.pk: slug for slug, offer in offers_by_slug.items()}
        existing = {
            (slug_of[s.offer_id], s.start, s.place): s
            for s in Session.objects.filter(offer__in=offers_by_slug.values())
        }
        new_sessions = []
        for planned in plan:
            if planned.key in existing:
                continue
            offer = offers_by_slug[planned.offer]
            session = Session(
                offer=offer,
                start=planned.start,
                end=planned.start + dt.timedelta(minutes=offer.duration_minutes),
                place=planned.place,
                capacity=planned.capacity,
                booking_deadline=planned.start - dt.timedelta(hours=offer.booking_deadline_hours),
                status=planned.status,
                cancellation_reason=planned.cancellation_reason,
                project=self.projects[planned.project] if planned.project else None,
            )
            new_sessions.append(session)
            existing[planned.key] = session
        self.bulk_create(Session, new_sessions)

        users = {u.email: u for u in User.objects.filter(email__in=self._emails(plan))}
        assignments = set(Assignment.objects.values_list("session_id", "mediator_id"))
        new_assignments = []
        for planned in plan:
            session = existing[planned.key]
            for email in planned.mediators:
                pair = (session.pk, users[email].pk)
                if pair not in assignments:
                    assignments.add(pair)
                    new_assignments.append(Assignment(session=session, mediator=users[email]))
        self.bulk_create(Assignment, new_assignments)

        booked = set(Booking.objects.values_list("session_id", "structure_id", "attendee_id"))
        new_bookings: list[tuple[Booking, PlannedBooking, PlannedSession]] = []
        for planned in plan:
            session = existing[planned.key]
            for item in planned.bookings:
                structure = self.structures[item.structure]
                attendee = users[item.attendee] if item.attendee else None
                key = (session.pk, structure.pk, attendee.pk if attendee else None)
                if key in booked:
                    continue
                booked.add(key)
                contact = users[item.booked_by]
                settled = item.status in (BookingStatus.ATTENDED, BookingStatus.ABSENT)
                end = planned.start + dt.timedelta(minutes=self.offers[planned.offer].duration_minutes)
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
                    contact_phone=contact.phone or "03 21 00 00 00",
                    comment=item.comment,
                    present_participants=item.present_participants,
                    present_staff=item.present_staff,
                    attendance_recorded_at=end + dt.timedelta(hours=1) if settled else None,
                    cancelled_at=(
                        planned.start - dt.timedelta(days=3)
                        if item.status == BookingStatus.CANCELLED
                        else None
                    ),
                )
                new_bookings.append((booking, item, planned))
        self.bulk_create(Booking, [b for b, _, _ in new_bookings])
        # Written without the booking services: the sessions' seats taken are counted from them.
        session_seats_recount(session_ids={booking.session_id for booking, _, _ in new_bookings})

        Need = Booking.accessibility_needs.through
        self.bulk_create(
            Need,
            [
                Need(booking_id=booking.pk, accessibilityoption_id=self.options[code].pk)
                for booking, item, _ in new_bookings
                for code in dict.fromkeys(item.needs)
            ],
        )
        changes = []
        for booking, item, planned in new_bookings:
            if item.status in (BookingStatus.ATTENDED, BookingStatus.ABSENT):
                recorder = users[planned.mediators[0]] if planned.mediators else self.staff
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
        self.bulk_create(AttendanceChange, changes)

        records = set(TrainingRecord.objects.values_list("user_id", "module", "completed_on"))
        new_records = []
        for planned in plan:
            module = TRAINING_OF.get(self.offers[planned.offer].kind)
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
                        session=existing[planned.key],
                        recorded_by=users.get(planned.mediators[0]) if planned.mediators else None,
                    )
                )
        self.bulk_create(TrainingRecord, new_records)

    def _emails(self, plan: list[PlannedSession]) -> set[str]:
        emails = {m.email for m in self.mediators}
        for planned in plan:
            for item in planned.bookings:
                emails.add(item.booked_by)
                if item.attendee:
                    emails.add(item.attendee)
        return emails

    # ------------------------------------------------------------------------------------------
    # Requests and the rest
    # ------------------------------------------------------------------------------------------

    def seed_requests(self) -> None:
        for item in data.REQUESTS:
            structure = self.structures[item["structure"]]
            start_offset, end_offset = item["offset_days"]
            answered = bool(item["answer"])
            request = self.upsert(
                ProjectRequest,
                {
                    "structure": structure,
                    "kind": item["kind"],
                    "wished_start": self.anchor + dt.timedelta(days=start_offset),
                },
                {
                    "created_by": self.coordinators[item["structure"]][0],
                    "wished_end": self.anchor + dt.timedelta(days=end_offset),
                    "participants": item["participants"],
                    "group_description": item["group_description"],
                    "goals": item["goals"],
                    "exhibition": self.exhibitions.get(item["exhibition"]) if item["exhibition"] else None,
                    "status": item["status"],
                    "answer": item["answer"],
                    "answered_by": self.staff if answered else None,
                },
            )
            if answered and request.answered_at is None:
                request.answered_at = timezone.now()
                request.save(update_fields=["answered_at"])
            if item["structure"] == ("Agence France Travail de Lens", "Lens") and request.project_id is None:
                request.project = self.projects["dep-art"]
                request.save(update_fields=["project"])
                request.sessions.set(self.projects["dep-art"].sessions.all())

    def seed_extras(self) -> None:
        mediator = self.mediators[0]
        day = self.anchor + dt.timedelta(days=10)
        self.upsert(
            MediatorUnavailability,
            {"mediator": mediator, "start": self.at(day, 9)},
            {"end": self.at(day, 18), "reason": "Formation interne : accueil des publics sourds"},
        )
        structure = self.structures[data.COORDINATOR_STRUCTURE]
        if not Invitation.objects.filter(structure=structure, email="nouvelle.collegue@exemple.fr").exists():
            Invitation.objects.create(
                structure=structure,
                email="nouvelle.collegue@exemple.fr",
                invited_by=User.objects.get(email=data.COORDINATOR["email"]),
                expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
            )
            self.created["invitation"] += 1
