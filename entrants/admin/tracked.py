"""The base of every admin of the tracker's records: history that loses nothing, no silent
overwrite, writes only for those allowed to write, and a database refusal or a hostile address
answered in words, never with a server error.
"""

import logging

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, DataError, IntegrityError, router, transaction
from django.http import Http404
from django.shortcuts import redirect
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from entrants.forms import ConcurrencyCheckedForm, reverting_form
from evmarket.errors import unavailable

logger = logging.getLogger("entrants.admin")

# What a filter value the database or Python cannot read raises: a NUL byte (PostgreSQL), a
# year past 9999 or before 1, a number too large for a C long.
UNREADABLE_FILTER = (ValueError, TypeError, OverflowError, ValidationError, DataError)
UNREADABLE_MESSAGE = (
    "The filters in that address could not be read (a value out of range or with characters "
    "a filter never has), so the whole list is shown."
)


def refusal_reason(error):
    """Return the first sentence an editor reads when the database refused their save."""
    lines = str(error).strip().splitlines()
    detail = lines[0][:300] if lines else type(error).__name__
    return f"Nothing was saved: the database refused the change ({detail})."


def refusal_advice(error):
    """Return what the editor can do about a refused save."""
    if isinstance(error, IntegrityError):
        return (
            "It breaks a rule the database enforces: check your input below against the "
            "records already stored, then save again."
        )
    return (
        "The database may be read-only or restarting: your input is still below, so save "
        "again in a few minutes, and tell the site administrator if this keeps happening."
    )


def refusing_form(form_class, message):
    """Return ``form_class`` made to refuse its data with ``message`` (and to ask nothing more
    of the database, which has just refused it)."""

    def clean(self):
        """Refuse the input, saying why."""
        raise ValidationError(message, code="database_refused")

    return type(form_class.__name__, (form_class,), {"clean": clean})


def unchecked_form(form_class):
    """Return ``form_class`` without its stale-save check, which locks rows (SELECT … FOR
    UPDATE): a read-only database refuses that, and the save is refused anyway."""

    def check_not_changed_since(self, opened):
        """Check nothing."""

    return type(
        form_class.__name__, (form_class,), {"check_not_changed_since": check_not_changed_since}
    )


def database_unavailable(reason):
    """Return the page shown when the database cannot even show the form again (503)."""
    return unavailable(
        "Nothing was saved",
        f"{reason} The database is not answering, so the form cannot be shown again: go back "
        "in your browser to keep what you typed, and save again in a few minutes.",
    )


def missing_record(request, model_admin, object_id):
    """Redirect to the changelist, saying that no record has the key ``object_id``."""
    opts = model_admin.opts
    messages.warning(
        request,
        f"There is no {opts.verbose_name} with the key “{str(object_id)[:40]}”: it may have "
        "been deleted.",
    )
    return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")


class ReadableFiltersChangeList(ChangeList):
    """A changelist that takes a filter value it cannot read as a wrong filter (the admin then
    shows the whole list, with a message), not as a server error."""

    def get_queryset(self, request, exclude_parameters=None):
        try:
            return super().get_queryset(request, exclude_parameters)
        except UNREADABLE_FILTER as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except UNREADABLE_FILTER as error:  # raised when the count runs
            raise IncorrectLookupParameters(error) from error


class ReadableFiltersMixin:
    """Admin changelists that answer an address with filters they cannot read by showing the
    whole list and saying why."""

    def get_changelist(self, request, **kwargs):
        return ReadableFiltersChangeList

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 302 and response["Location"].endswith(f"?{ERROR_FLAG}=1"):
            messages.warning(request, UNREADABLE_MESSAGE)
        return response

    def get_search_results(self, request, queryset, search_term):
        """Search without NUL bytes: no stored text has one, and PostgreSQL refuses them in a
        query (the changelist's search and every autocomplete come here)."""
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


class HistoryChanges(HistoricalRecordContextHelper):
    """The field changes a history page lists, an empty value shown as the admin shows one
    ("-"), not as "None"."""

    def __init__(self, model, historical_record, *, empty_value_display="-", **kwargs):
        super().__init__(model, historical_record, **kwargs)
        self.empty_value_display = empty_value_display

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return self.empty_value_display if value is None else value


class TrackedAdmin(ReadableFiltersMixin, SimpleHistoryAdmin):
    """Base admin: every change is kept (history with a field-by-field diff, and revert), and
    a save over someone else's newer change is refused.

    A save the database refuses (a constraint, a read-only or restarting database) is rolled
    back whole, logged, and answered with the same form, the editor's input in it and the
    reason at the top — not a server error.
    """

    form = ConcurrencyCheckedForm
    # simple-history's list of versions, with no "None" for a version without user or reason.
    object_history_list_template = "admin/entrants/object_history_list.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Add, change or save as new; a save the database refuses shows the form again."""
        view = super().changeform_view
        return self.refusing_database_errors(view, request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """List a record's versions; a key that no record can have is not found (404)."""
        self.readable_key(object_id)
        return super().history_view(request, object_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        """Return what formats a version's changes, empty values as the admin shows them."""
        return HistoryChanges(
            self.model, historical_record, empty_value_display=self.get_empty_value_display()
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Show an earlier version, and revert to it, all or nothing (django-simple-history
        saves without a transaction); a revert the database refuses shows the form again.

        Only those who may change the record may revert it: the Revert button is hidden from
        the others, and a revert they post anyway is refused (403).
        """
        self.readable_key(object_id)
        if not str(version_id).isdecimal():
            raise Http404(f"“{str(version_id)[:40]}” is not a version number.")
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None:  # deleted: its old versions can be read, not reverted to
                return missing_record(request, self, unquote(object_id))
            if self.revert_disabled(request, current) or not self.has_change_history_permission(
                request, current
            ):
                raise PermissionDenied
        request.reverting = True  # the form is opened on the current version (get_form)
        view = super().history_form_view

        def atomic_view(*args):
            """Run the revert in one transaction."""
            with transaction.atomic(using=router.db_for_write(self.model)):
                return view(*args)

        return self.refusing_database_errors(
            atomic_view, request, object_id, version_id, extra_context
        )

    def readable_key(self, object_id):
        """Raise 404 for a key no record can have ("abc" for a numeric key)."""
        try:
            self.opts.pk.to_python(unquote(object_id))
        except ValidationError as error:
            raise Http404(f"“{str(object_id)[:40]}” is not a record key.") from error

    def message_user(self, request, message, level=messages.INFO, extra_tags="", **kwargs):
        """Say what a save did once it has committed: a save that the database refuses at
        COMMIT must not also say it succeeded (outside a transaction, at once)."""
        parent = super().message_user
        transaction.on_commit(
            lambda: parent(request, message, level, extra_tags, **kwargs),
            using=router.db_for_write(self.model),
        )

    def refusing_database_errors(self, view, request, *args):
        """Run a form view; if the database refuses the save, run it again (after the
        rollback, outside the failed transaction) with a form that refuses the same input
        with the reason, so that nothing is saved and the editor sees what they typed."""
        if request.method != "POST":
            return view(request, *args)
        # A refusal at COMMIT (a deferred foreign key, say) comes after the view has said
        # "… was added successfully": ``message_user`` adds that message only on commit.
        try:
            return view(request, *args)
        except DatabaseError as error:
            logger.error(
                "The database refused an admin save (%s %s, user %s)",
                request.method,
                request.path,
                getattr(request.user, "pk", None),
                exc_info=True,
            )
            reason, advice = refusal_reason(error), refusal_advice(error)
        request.save_refused = f"{reason} {advice}"
        try:
            return view(request, *args)
        except DatabaseError:
            logger.error("The database could not show the refused form again", exc_info=True)
            return database_unavailable(reason)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Return the admin's form: opened on the record's current version for a revert, and
        refusing its input if the database did."""
        form = super().get_form(request, obj, change, **kwargs)
        if getattr(request, "reverting", False):
            form = reverting_form(form)
        refused = getattr(request, "save_refused", None)
        return form if refused is None else refusing_form(form, refused)

    def get_formsets_with_inlines(self, request, obj=None):
        """Yield the inline formsets, without their row locks once the database refused."""
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if getattr(request, "save_refused", None) is not None and hasattr(
                formset.form, "check_not_changed_since"
            ):
                formset = type(formset.__name__, (formset,), {"form": unchecked_form(formset.form)})
            yield formset, inline
