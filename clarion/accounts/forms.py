"""Forms of the staff pages: they only parse and validate what people type."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User

from clarion.accounts.codes import normalise_code
from clarion.accounts.roles import Role

MAX_PASSWORD_CHARS = 128
TOO_LONG = f"Use at most {MAX_PASSWORD_CHARS} characters."


def _password_field(label: str, *, help_text: str = "", autocomplete: str = "current-password") -> forms.CharField:
    field = forms.CharField(
        label=label,
        strip=False,
        max_length=MAX_PASSWORD_CHARS,
        error_messages={"max_length": TOO_LONG},
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )
    # A browser silently cuts input at maxlength: a longer password would be saved shortened
    # without a word. The server says "too long" instead.
    field.widget.attrs.pop("maxlength", None)
    return field


class LoginForm(forms.Form):
    username = forms.CharField(
        label="User name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = _password_field("Password")
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="One-time code",
        max_length=20,
        help_text="The six digits your authenticator app shows now.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the six digits your authenticator app shows.")
        return code


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=200,
        help_text="The code an admin gave you. Capitals, spaces and dashes do not matter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        canonical = normalise_code(self.cleaned_data["code"])
        if canonical is None:
            raise forms.ValidationError("This is not an invitation code. Check it against the one you were given.")
        return canonical


class NewPasswordMixin(forms.Form):
    """Two new-password fields, checked with the site's password validators."""

    new_password = _password_field(
        "New password",
        autocomplete="new-password",
        help_text=f"At least 12 characters, at most {MAX_PASSWORD_CHARS}. A few unrelated words work well.",
    )
    new_password_again = _password_field("New password again", autocomplete="new-password")

    def user_for_validation(self) -> User | None:
        return None

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password"), cleaned.get("new_password_again")
        if first and second and first != second:
            self.add_error("new_password_again", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, self.user_for_validation())
            except forms.ValidationError as error:
                self.add_error("new_password", error)
        return cleaned


class EnrolAccountForm(NewPasswordMixin):
    username = forms.RegexField(
        label="User name",
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text="Letters, digits and . @ + - _ only. Other staff see it.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    field_order = ["username", "new_password", "new_password_again"]

    def __init__(self, *args: Any, fixed_username: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_username = fixed_username
        if fixed_username:
            del self.fields["username"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This user name is taken. Choose another.")
        return username

    def user_for_validation(self) -> User | None:
        return get_user_model()(username=self.fixed_username or self.cleaned_data.get("username", ""))


class PasswordChangeForm(NewPasswordMixin):
    current_password = _password_field("Current password")
    field_order = ["current_password", "new_password", "new_password_again"]

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def user_for_validation(self) -> User | None:
        return self.user


class RecoveryForm(NewPasswordMixin):
    username = forms.CharField(
        label="User name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=200,
        help_text="The code you were shown once when you enrolled.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = OneTimeCodeForm.base_fields["code"]
    clean_code = OneTimeCodeForm.clean_code
    field_order = ["username", "recovery_code", "code", "new_password", "new_password_again"]

    def user_for_validation(self) -> User | None:
        return get_user_model()(username=self.cleaned_data.get("username", ""))


class InviteForm(forms.Form):
    roles = forms.MultipleChoiceField(label="Roles", choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    email = forms.EmailField(label="For (email, a note only)", required=False)
