"""Admin forms: no silent overwrite when two editors change the same record."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


class ConcurrencyCheckedForm(forms.ModelForm):
    """A model form that refuses to save over changes someone else saved after it was opened.

    The form carries the record's ``updated_at`` as it was when the page was loaded; if the
    record has changed since, the save is refused with a message telling the editor to reload.
    Nothing is lost: the other editor's version stays, and this editor's input is still on the
    page to copy.
    """

    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and getattr(self.instance, "updated_at", None):
            self.fields["edit_token"].initial = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned_data = super().clean()
        token = cleaned_data.get("edit_token")
        if self.instance.pk and token:
            self.check_not_changed_since(token)
        return cleaned_data

    def check_not_changed_since(self, token):
        model = type(self.instance)
        current = (
            model._default_manager.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if current is None:
            raise ValidationError(
                _("Someone else deleted this %(name)s after you opened it, so it was not saved.")
                % {"name": model._meta.verbose_name},
                code="deleted",
            )
        if current.isoformat() != token:
            raise ValidationError(
                _(
                    "Someone else changed this %(name)s (%(who)s, %(when)s) after you opened it, "
                    "so your changes were not saved. Reload the page to see their version, then "
                    "make your changes again."
                )
                % {
                    "name": model._meta.verbose_name,
                    "who": self.last_editor() or _("an editor"),
                    "when": timezone.localtime(current).strftime("%Y-%m-%d %H:%M:%S"),
                },
                code="stale",
            )

    def last_editor(self):
        history = getattr(self.instance, "history", None)
        record = history.select_related("history_user").first() if history is not None else None
        user = record.history_user if record else None
        return user.get_username() if user else None
