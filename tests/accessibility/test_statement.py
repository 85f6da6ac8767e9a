"""The accessibility statement (RGAA 4.1's model) says what the audit in this folder does, and the
footer's link gives the same compliance status; the admin template overrides of the audit follow
the installed Django."""

from __future__ import annotations

import re
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from .conftest import AXE_VERSION

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
DJANGO_ADMIN_TEMPLATES = Path(django.__file__).parent / "contrib/admin/templates"


@pytest.fixture
def english(client):
    """The pages in English: the msgids, whatever the state of the French catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def statement(client) -> str:
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    return response.content.decode()


def test_statement_is_reached_from_the_footer_of_every_page_with_the_same_status(english):
    home = english.get(reverse("home")).content.decode()
    page = statement(english)

    link = f'<a href="{reverse("accessibility")}">Accessibility: not compliant (audit to come)</a>'
    assert link in home
    assert link in page
    assert "The partner portal is not compliant with the French accessibility framework" in page


def test_statement_follows_the_rgaa_model_sections_in_order(english):
    page = statement(english)

    ids = re.findall(r'<h2 id="([a-z-]+)">', page)
    assert ids == ["status", "tests", "non-accessible", "establishment", "contact", "remedies"]
    assert "article 47 of law no. 2005-102 of 11 February 2005" in page


def test_statement_says_how_the_portal_was_tested(english):
    page = statement(english)

    # When axe-core is upgraded, run tests/accessibility again and update the statement.
    assert f"axe-core {AXE_VERSION}" in page
    assert "On 25 November 2026" in page
    assert "This statement was established on 25 November 2026." in page
    assert "no valid audit of its 106 criteria has been carried out" in page
    assert "they are not a full audit" in page
    assert "Chromium 156.0.8078.108" in page
    assert "360 pixels wide" in page
    assert "<strong>Keyboard only</strong>" in page


def test_statement_gives_the_museum_contact_and_the_remedies(english):
    page = statement(english)

    assert f'<a href="mailto:{settings.MUSEUM_CONTACT_EMAIL}">{settings.MUSEUM_CONTACT_EMAIL}</a>' in page
    assert f">{settings.MUSEUM_PHONE}</a>" in page
    assert escape(settings.MUSEUM_ADDRESS) in page
    assert '<a href="https://formulaire.defenseurdesdroits.fr/" lang="fr">' in page
    assert '<a href="tel:+33969390000">09 69 39 00 00</a>' in page
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in page


def test_statement_is_in_french_by_default(client):
    response = client.get(reverse("accessibility"))

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_tabular_inline_override_follows_the_installed_django():
    # Our copy differs from Django's only by its accessibility fixes (and a comment saying so): when
    # Django changes its template, this fails and the copy is redone from the new one.
    installed = (DJANGO_ADMIN_TEMPLATES / "admin/edit_inline/tabular.html").read_text(encoding="utf-8")
    ours = (TEMPLATES / "admin/edit_inline/tabular.html").read_text(encoding="utf-8")
    delete_allowed = "inline_admin_formset.formset.can_delete and inline_admin_formset.has_delete_permission"
    fixes = [
        (
            '<th class="original"></th>',
            '<th class="original"><span class="visually-hidden">{% translate "Saved item" %}</span></th>',
        ),
        (
            f'<th>{{% if {delete_allowed} %}}{{% translate "Delete?" %}}{{% endif %}}</th>',
            f'{{% if {delete_allowed} %}}<th>{{% translate "Delete?" %}}</th>'
            "{% else %}<td></td>{% endif %}",
        ),
        (
            "{{ field.field.errors.as_ul }}\n",
            "{{ field.field.errors.as_ul }}\n"
            "                  {% if not field.field.is_hidden and field.field.id_for_label %}"
            '<label class="visually-hidden" for="{{ field.field.id_for_label }}">'
            "{{ field.field.label|capfirst }}</label>{% endif %}\n",
        ),
        (
            "{{ inline_admin_form.deletion_field.field }}{% endif %}</td>",
            '<label class="visually-hidden" for="{{ inline_admin_form.deletion_field.field.id_for_label }}">'
            '{% translate "Delete?" %}</label>{{ inline_admin_form.deletion_field.field }}{% endif %}</td>',
        ),
    ]

    expected = installed
    for before, after in fixes:
        assert expected.count(before) == 1, before
        expected = expected.replace(before, after)
    without_comment = re.sub(r"\{% comment %\}.*?\{% endcomment %\}\n", "", ours, count=1, flags=re.DOTALL)
    assert without_comment == expected


def test_admin_pages_load_the_accessibility_fixes(admin_client):
    response = admin_client.get(reverse("admin:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/css/admin.css" in html
    assert '<script src="/static/js/admin_a11y.js" defer></script>' in html


def test_admin_login_page_has_a_level_one_heading(client):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 200
    assert re.search(r"<h1>[^<]+</h1>", response.content.decode())
