"""Admin forms: no silent overwrite when two editors change the same record."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext as _

from entrants.amounts import TypedCurrencyCheck


class ConcurrencyCheckedForm(TypedCurrencyCheck, forms.ModelForm):
    """A model form that refuses to save over changes someone else saved after it was opened.

    The form carries the version of the record it was opened on (its ``updated_at``) as a hidden
    edit token; if the record has changed since, the save is refused with a message telling the
    editor to reload. Nothing is lost: the other editor's version stays, and this editor's input
    is still on the page to copy. A change sent without a token, or with one the tracker did not
    write, is refused too: the promise holds for every client, not only for the admin's pages.
    An amount typed with a currency must agree with the form's currency (``TypedCurrencyCheck``).
    """

    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.changes_a_stored_record():
            self.fields["edit_token"].initial = self.opened_version().isoformat()

    def changes_a_stored_record(self):
        """Return whether this form changes a record already in the database."""
        return self.instance.pk is not None

    def opened_version(self):
        """Return the version the form is opened on: the ``updated_at`` of the record shown."""
        return self.instance.updated_at

    def clean(self):
        cleaned_data = super().clean()
        if self.changes_a_stored_record():
            self.check_not_changed_since(self.opened_on(cleaned_data.get("edit_token")))
        return cleaned_data

    def opened_on(self, token):
        """Return the version named by the form's edit token, refusing a missing or forged one."""
        reload = _("Reload the page and make your changes again.")
        if not token:
            raise ValidationError(
                _("This form was sent without its edit token, so nothing was saved. %(reload)s")
                % {"reload": reload},
                code="no_edit_token",
            )
        try:
            opened = datetime.datetime.fromisoformat(token)
        except ValueError:
            opened = None
        if opened is None or opened.tzinfo is None:
            raise ValidationError(
                _(
                    "The edit token sent with this form (“%(token)s”) is not one the tracker "
                    "wrote, so nothing was saved. %(reload)s"
                )
                % {"token": token[:40], "reload": reload},
                code="bad_edit_token",
            )
        return opened

    def check_not_changed_since(self, opened):
        """Refuse the save if the record was deleted or changed after version ``opened``."""
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
        if current != opened:
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


class ConcurrencyCheckedInlineFormSet(BaseInlineFormSet):
    """Inline rows whose deletion is checked as their change is: a row deleted from a page
    opened before someone else changed it, or sent without its edit token, is refused (Django
    does not validate a form marked for deletion)."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.changes_a_stored_record():
                token = form.data.get(form.add_prefix("edit_token"))
                form.check_not_changed_since(form.opened_on(token))


def reverting_form(form_class):
    """Return ``form_class`` opened on the record's current version, not the one it shows.

    A revert form shows an earlier version's values, but what it overwrites is the record as
    it is now: its token must name that, so that a revert is refused only when someone changed
    the record after the revert form was opened.
    """

    def opened_version(self):
        """Return the ``updated_at`` of the record as it is stored now."""
        model = type(self.instance)
        stored = model._default_manager.filter(pk=self.instance.pk)
        return stored.values_list("updated_at", flat=True).first() or self.instance.updated_at

    return type(form_class.__name__, (form_class,), {"opened_version": opened_version})
