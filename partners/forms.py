from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.services import message_queue

from .enums import StructureKind
from .models import User
from .selectors import account_exists, structure_duplicate_message, structure_find_duplicate
from .services import (
    email_taken_message,
    password_problems,
    phone_problem,
    structure_departement,
    structure_problems,
    user_mark_email_verified,
)
from .validators import normalize_siret

# The columns that keep an address (User.email, Structure.email, Invitation.email, the outbox, and
# django-axes' attempted username) hold 254 characters; a form field allowing more (Django's default
# is 320) would let a longer address reach the database and fail there.
EMAIL_MAX_LENGTH = 254


def _phone_field(label, *, required: bool = True, autocomplete: str = "tel") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=30,
        required=required,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": autocomplete}),
    )


def _clean_phone(value: str) -> str:
    value = (value or "").strip()
    if value and phone_problem(value):
        raise forms.ValidationError(phone_problem(value))
    return value


class PasswordPairMixin:
    """Two password fields checked with Django's validators (length, common, numeric, similarity)."""

    def _password_fields(self) -> None:
        self.fields["password1"] = forms.CharField(
            label=_("Password"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=password_validation.password_validators_help_text_html(),
        )
        self.fields["password2"] = forms.CharField(
            label=_("Password again"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=_("Type the same password again, to avoid a typing mistake."),
        )

    def _check_passwords(self, cleaned: dict, *, email: str, first_name: str, last_name: str) -> None:
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are different. Type them again."))
            return
        if password1:
            problems = password_problems(
                password=password1, email=email, first_name=first_name, last_name=last_name
            )
            if problems:
                self.add_error("password1", problems)


class EmailAuthenticationForm(AuthenticationForm):
    """Login by email address; the message never says which of the two was wrong.

    The field keeps the name `username`: django-axes reads the attempted account from it.
    """

    username = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _(
            "This email address and password do not match an account. Check both and try again."
        ),
        "inactive": _("This account is disabled. Contact the museum's social relations team."),
    }

    def clean_username(self) -> str:
        # Accounts are stored in lower case; people type "Camille.Martin@…".
        return self.cleaned_data["username"].strip().lower()

    def clean(self) -> dict:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            # The address goes both as `username` and as `email` (our USERNAME_FIELD): django-axes reads
            # the attempted account under AXES_USERNAME_FORM_FIELD, which defaults to the USERNAME_FIELD,
            # so failures and lockouts are counted per (lower-cased) address whichever way it is set.
            self.user_cache = authenticate(self.request, username=email, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class StructureRegistrationForm(PasswordPairMixin, forms.Form):
    """The structure and, for someone without an account, its first coordinator."""

    STRUCTURE_FIELDS = (
        "name",
        "kind",
        "address",
        "postcode",
        "city",
        "departement",
        "siret",
        "phone",
        "email",
        "publics",
    )

    name = forms.CharField(
        label=_("Name of the structure"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    kind = forms.ChoiceField(label=_("Kind of structure"), choices=[("", "—")] + list(StructureKind.choices))
    address = forms.CharField(
        label=_("Address"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "street-address"})
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("City"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    departement = forms.CharField(
        label=_("Département"),
        max_length=3,
        required=False,
        help_text=_("Leave empty: we take it from the postcode. Change it only if it is wrong."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    siret = forms.CharField(
        label=_("SIRET number (optional)"),
        max_length=20,
        required=False,
        help_text=_("14 digits, spaces allowed. Leave it empty if you do not know it."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = _phone_field(_("Phone of the structure"), autocomplete="tel")
    email = forms.EmailField(
        label=_("Email of the structure"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("A shared address of the structure if it has one."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    publics = forms.CharField(
        label=_("People you accompany"),
        required=False,
        help_text=_(
            "In a few words: for example families, young job seekers, adults learning French. "
            "Please do not give anyone's name."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.existing_user = user if user is not None and user.is_authenticated else None
        fieldsets = [Fieldset(_("Your structure"), *self.STRUCTURE_FIELDS)]
        if self.existing_user is None:
            self.fields["first_name"] = forms.CharField(
                label=_("First name"),
                max_length=150,
                widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
            )
            self.fields["last_name"] = forms.CharField(
                label=_("Last name"),
                max_length=150,
                widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
            )
            self.fields["user_email"] = forms.EmailField(
                label=_("Your work email address"),
                max_length=EMAIL_MAX_LENGTH,
                help_text=_("You will log in with it. We send a link to it to check it."),
                widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            )
            self.fields["user_phone"] = _phone_field(_("Your phone"), required=False, autocomplete="tel")
            self._password_fields()
            fieldsets.append(
                Fieldset(
                    _("You, the coordinator"),
                    HTML(
                        '<p class="form-text">{}</p>'.format(
                            _("The coordinator (relais) books sessions and comes with the groups.")
                        )
                    ),
                    "first_name",
                    "last_name",
                    "user_email",
                    "user_phone",
                    "password1",
                    "password2",
                )
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*[Div(fieldset, css_class="registration-part") for fieldset in fieldsets])

    def registration_data(self) -> dict[str, str]:
        """The cleaned data as `structure_register` takes it (the coordinator's details only for
        someone without an account)."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.STRUCTURE_FIELDS}
        if self.existing_user is None:
            values.update(
                first_name=data["first_name"],
                last_name=data["last_name"],
                user_email=data["user_email"],
                user_phone=data["user_phone"],
                password=data["password1"],
            )
        return values

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_city(self) -> str:
        return self.cleaned_data["city"].strip()

    def clean_postcode(self) -> str:
        return self._checked("postcode", self.cleaned_data["postcode"].strip())

    def clean_siret(self) -> str:
        return self._checked("siret", normalize_siret(self.cleaned_data["siret"]))

    def _checked(self, name: str, value: str) -> str:
        """The value, if it keeps the services' rule about this detail of a structure."""
        problems = structure_problems(**{name: value})
        if problems:
            raise forms.ValidationError(problems[0].message)
        return value

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data["phone"])

    def clean_user_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("user_phone", ""))

    def clean_user_email(self) -> str:
        email = self.cleaned_data["user_email"].strip().lower()
        if account_exists(email):
            raise forms.ValidationError(email_taken_message())
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        departement = structure_departement(
            departement=cleaned.get("departement") or "", postcode=cleaned.get("postcode") or ""
        )
        for problem in structure_problems(departement=departement or None):
            self.add_error(problem.field, problem.message)
        cleaned["departement"] = departement
        if self.existing_user is None:
            self._check_passwords(
                cleaned,
                email=cleaned.get("user_email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
        if "siret" not in self.errors and "name" not in self.errors and "city" not in self.errors:
            found = structure_find_duplicate(
                siret=cleaned.get("siret", ""), name=cleaned.get("name", ""), city=cleaned.get("city", "")
            )
            if found:
                structure, field = found
                self.add_error(field, structure_duplicate_message(structure))
        return cleaned


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Your colleague's work email address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _(
            "They receive a link to join your structure. It works for %(days)s days."
        ) % {"days": settings.INVITATION_VALID_DAYS}


class InvitationSignupForm(PasswordPairMixin, forms.Form):
    """A new person creates their account from an invitation; the email is the invited one."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    phone = _phone_field(_("Your phone"), required=False, autocomplete="tel")

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self._password_fields()

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict:
        cleaned = super().clean()
        self._check_passwords(
            cleaned,
            email=self.email,
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
        )
        return cleaned


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the outbox like every other message."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        user = context["user"]
        path = reverse(
            "partners:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        message_queue(
            template="password_reset",
            to=to_email,
            language=user.language,
            dedupe_key=f"password_reset:user-{user.pk}:{context['token']}",
            context={
                "first_name": user.first_name,
                "reset_url": f"{settings.SITE_URL}{path}",
                "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            },
        )


class VerifyingSetPasswordForm(SetPasswordForm):
    """Choosing a new password from the emailed link also proves the address is the person's."""

    def save(self, commit: bool = True):
        user = super().save(commit=commit)
        if commit:
            user_mark_email_verified(user=user)
        return user
