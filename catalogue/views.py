"""The public catalogue of offers: anyone may browse it; booking needs an active structure."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from bookings.selectors import bookable_sessions, catalogue_offers, home_figures, next_abc_sessions
from common.cache import public_page
from partners.enums import TrainingModule
from partners.selectors import booking_refusal_reason, current_structure, has_completed
from programmes.enums import AccessibilityFeature, Audience, OfferKind
from programmes.models import Exhibition
from programmes.selectors import published_offers

# The visitor's choice of the easy-to-read (FALC) presentation, kept in their session.
EASY_READ_SESSION_KEY = "catalogue_easy_read"
MONTHS_AHEAD = 12
# Sessions shown under each offer in the list; all of them are on the offer's page.
SESSIONS_PER_CARD = 4
# Pages stay light on a cheap phone whatever the size of the programme: offers of the catalogue and
# dates of an offer are shown this many at a time.
OFFERS_PER_PAGE = 12
SESSIONS_PER_PAGE = 20


def _months() -> list[tuple[str, str]]:
    today = timezone.localdate()
    months = []
    year, month = today.year, today.month
    for _i in range(MONTHS_AHEAD):
        first = dt.date(year, month, 1)
        months.append((first.strftime("%Y-%m"), formats.date_format(first, "YEAR_MONTH_FORMAT")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters (a GET form: a filtered page can be bookmarked and shared)."""

    kind = forms.ChoiceField(
        label=_("Kind of offer"),
        required=False,
        choices=[("", _("All kinds"))] + OfferKind.choices,
        error_messages={"invalid_choice": _("This kind of offer does not exist: choose one from the list.")},
    )
    audience = forms.ChoiceField(
        label=_("For whom"),
        required=False,
        choices=[("", _("Everyone"))] + Audience.choices,
        error_messages={"invalid_choice": _("Choose the audience from the list.")},
    )
    accessibility = forms.ChoiceField(
        label=_("Accessibility"),
        required=False,
        choices=[("", _("Any"))] + AccessibilityFeature.choices,
        error_messages={"invalid_choice": _("Choose an accessibility feature from the list.")},
    )
    exhibition = forms.ModelChoiceField(
        label=_("Exhibition"),
        required=False,
        queryset=Exhibition.objects.none(),
        to_field_name="slug",
        empty_label=_("All exhibitions"),
        error_messages={"invalid_choice": _("This exhibition is not in the list: choose one from the list.")},
    )
    month = forms.ChoiceField(
        label=_("Month"),
        required=False,
        error_messages={"invalid_choice": _("Choose a month from the list (the next twelve months).")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exhibition"].queryset = Exhibition.objects.filter(offers__is_published=True).distinct()
        self.fields["month"].choices = [("", _("Any month"))] + _months()

    def filters(self) -> dict:
        data = self.cleaned_data
        month = data.get("month")
        return {
            "kind": data.get("kind") or "",
            "audience": data.get("audience") or "",
            "accessibility": data.get("accessibility") or "",
            "exhibition": data.get("exhibition"),
            "month": dt.date.fromisoformat(month + "-01") if month else None,
        }


def easy_read_chosen(request: HttpRequest) -> bool:
    """'?facile=1' turns the easy-to-read presentation on, '?facile=0' off; the choice is remembered."""
    value = request.GET.get("facile")
    if value in {"0", "1"}:
        request.session[EASY_READ_SESSION_KEY] = value == "1"
        return value == "1"
    return bool(request.session.get(EASY_READ_SESSION_KEY, False))


def _easy_read_variant(request: HttpRequest) -> str:
    return "easy-read" if easy_read_chosen(request) else "standard"


def _toggle_query(request: HttpRequest, easy_read: bool) -> str:
    query = request.GET.copy()
    query["facile"] = "0" if easy_read else "1"
    query.pop("page", None)
    return query.urlencode()


def _page_query(request: HttpRequest) -> str:
    """The page's query string without its page number (the filters), for the links to other pages."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_safe
@public_page(_easy_read_variant)
def catalogue(request: HttpRequest) -> HttpResponse:
    easy_read = easy_read_chosen(request)
    form = CatalogueFilterForm(request.GET)
    filters = form.filters() if form.is_valid() else {}
    offers = catalogue_offers(**filters, sessions_per_offer=SESSIONS_PER_CARD)
    # get_page: a page number that is not one (text, 0, too big) shows the nearest real page.
    page = Paginator(offers, OFFERS_PER_PAGE).get_page(request.GET.get("page"))
    by_kind: dict[str, list] = {}
    for offer in page.object_list:
        by_kind.setdefault(offer.kind, []).append(offer)
    groups = [
        {"kind": kind, "label": label, "offers": by_kind[kind]}
        for kind, label in OfferKind.choices
        if kind in by_kind
    ]
    return render(
        request,
        "programmes/catalogue/list.html",
        {
            "form": form,
            "groups": groups,
            "offer_count": len(offers),
            "page_obj": page,
            "page_query": _page_query(request),
            "filtered": any(filters.values()),
            "easy_read": easy_read,
            "toggle_query": _toggle_query(request, easy_read),
            "sessions_per_card": SESSIONS_PER_CARD,
        },
    )


@require_safe
@public_page(_easy_read_variant)
def offer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    easy_read = easy_read_chosen(request)
    offer = get_object_or_404(
        published_offers().select_related("exhibition").prefetch_related("accessibility"), slug=slug
    )
    page = Paginator(bookable_sessions().filter(offer=offer), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    sessions = list(page.object_list)
    user = request.user
    structure = current_structure(request) if user.is_authenticated else None
    refusal = booking_refusal_reason(user, structure) if user.is_authenticated else None
    abc_missing = (
        offer.requires_abc_training and user.is_authenticated and not has_completed(user, TrainingModule.ABC)
    )
    return render(
        request,
        "programmes/catalogue/detail.html",
        {
            "offer": offer,
            "sessions": sessions,
            "page_obj": page,
            "page_query": _page_query(request),
            "easy_read": easy_read,
            "toggle_query": _toggle_query(request, easy_read),
            "structure": structure,
            "refusal": refusal,
            "abc_missing": abc_missing,
            "abc_sessions": next_abc_sessions() if offer.requires_abc_training else [],
        },
    )


@require_safe
@public_page()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"figures": home_figures()})
