"""CSV and XLSX imports in the admin (django-import-export), bounded and all or nothing.

The preview checks every row and writes none; the confirm writes them all in one transaction or
nothing, and says why it failed instead of "finished". Files are refused in words over the
limits of ``entrants/import_files.py``. Between preview and confirm the upload waits in a
private directory under a random name that is checked, never used as a path, and it is removed
once it is confirmed, once a preview shows it cannot be, or an hour later.
"""

import logging
import os
import re
import stat
import time
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm
from import_export.tmp_storages import BaseStorage

from entrants.admin.tracked import UNREADABLE_FILTER, UNREADABLE_MESSAGE
from entrants.import_files import FORMATS, ImportFileError, check_size
from entrants.resources import error_lines

logger = logging.getLogger("entrants.admin")


class UploadGone(Exception):
    """The upload a confirm names is not waiting (confirmed already, expired, or never was)."""


class UploadStorage(BaseStorage):
    """Where an uploaded file waits between its preview and its confirm: ``IMPORT_UPLOAD_DIR``,
    which must be this user's own and closed to others (it is created so), under a random name
    of 32 hex digits. A name that is not one (a path typed into the confirm form, say) names no
    file; a file older than ``IMPORT_UPLOAD_MAX_AGE_SECONDS`` is gone."""

    NAME = re.compile(r"[0-9a-f]{32}")

    @staticmethod
    def directory():
        """Return the directory, created private if missing; refuse one that another user
        could have made or could write in (a shared temporary directory is the default)."""
        directory = Path(settings.IMPORT_UPLOAD_DIR)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = os.lstat(directory)
        if (
            not stat.S_ISDIR(status.st_mode)
            or status.st_uid != os.geteuid()
            or status.st_mode & 0o077
        ):
            raise ImproperlyConfigured(
                f"The import upload directory {directory} is not this user's own private "
                "directory (a link, another owner, or open to others): remove it, or set "
                "DJANGO_IMPORT_UPLOAD_DIR to another place."
            )
        return directory

    def path(self):
        """Return the path of this upload; raise UploadGone for a name no upload has."""
        if not isinstance(self.name, str) or not self.NAME.fullmatch(self.name):
            raise UploadGone(self.name)
        return self.directory() / self.name

    def save(self, data):
        self.remove_expired()
        self.name = uuid4().hex
        descriptor = os.open(self.path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as upload:
            upload.write(data)

    def claim(self):
        """Take this upload for one confirm: move it, at once, to a new name (kept in
        ``self.name``). A second confirm of the same upload, even one under way at the same
        moment, finds nothing to move and is told the upload is gone."""
        waiting = self.path()
        self.name = uuid4().hex
        try:
            os.rename(waiting, self.path())
        except FileNotFoundError as error:
            raise UploadGone(waiting.name) from error

    def read(self):
        path = self.path()
        try:
            if time.time() - path.stat().st_mtime > settings.IMPORT_UPLOAD_MAX_AGE_SECONDS:
                path.unlink(missing_ok=True)
                raise UploadGone(self.name)
            binary = "b" in self.read_mode
            with open(path, self.read_mode, encoding=None if binary else self.encoding) as upload:
                return upload.read()
        except FileNotFoundError as error:
            raise UploadGone(self.name) from error

    def remove(self):
        try:
            self.path().unlink(missing_ok=True)
        except UploadGone:
            pass

    def remove_expired(self):
        """Remove the uploads older than the maximum age (previews never confirmed)."""
        oldest = time.time() - settings.IMPORT_UPLOAD_MAX_AGE_SECONDS
        for path in self.directory().iterdir():
            try:
                if self.NAME.fullmatch(path.name) and path.stat().st_mtime < oldest:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                pass  # removed meanwhile by another request


class BoundedImportForm(ImportForm):
    """The import form, refusing a file over the size limit before it is stored or read, and
    any file while its upload could not wait safely."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_size(upload.size, upload.name)
        except ImportFileError as error:
            raise ValidationError(str(error), code="too_large") from error
        try:
            UploadStorage.directory()
        except ImproperlyConfigured as error:
            logger.error("%s", error)
            raise ValidationError(
                "The tracker cannot keep this upload safely until you confirm it, so it was "
                "not taken; tell the site administrator (the server's log says why).",
                code="unsafe_upload_directory",
            ) from error
        return upload


class AllOrNothingImportMixin(ImportExportMixin):
    """CSV/XLSX import with a preview; a confirm that fails says why instead of "finished"."""

    formats = FORMATS
    import_form_class = BoundedImportForm
    tmp_storage_class = UploadStorage

    def has_import_permission(self, request):
        """An import adds rows and changes those it matches: it needs both permissions."""
        return super().has_import_permission(request) and self.has_change_permission(request)

    def add_data_read_fail_error_to_form(self, form, error):
        """Say in words why a file was refused (its size, what it unpacks to)."""
        if isinstance(error, ImportFileError):
            form.add_error("import_file", str(error))
        else:
            super().add_data_read_fail_error_to_form(form, error)

    def import_action(self, request, **kwargs):
        """Preview an upload; remove it unless the preview offers to confirm it."""
        response = None
        try:
            response = super().import_action(request, **kwargs)
            return response
        finally:
            context = getattr(response, "context_data", None) or {}
            if context.get("confirm_form") is None:
                upload = request.FILES.get("import_file")
                UploadStorage(name=getattr(upload, "tmp_storage_name", None)).remove()

    def process_import(self, request, **kwargs):
        """Confirm an import: claim its upload first (so that two confirms of one upload
        cannot both import it), and remove it whatever happens."""
        if request.method != "POST":
            return super().process_import(request, **kwargs)  # refuses it: 405
        if not self.has_import_permission(request):
            raise PermissionDenied  # before the upload is touched
        upload = UploadStorage(name=request.POST.get("import_file_name"))
        try:
            upload.claim()
        except UploadGone:
            messages.error(
                request,
                "Nothing was imported: this upload is no longer waiting to be confirmed (it was "
                "confirmed already, or its preview is more than an hour old). Choose the file "
                "again.",
            )
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        request.POST = request.POST.copy()
        request.POST["import_file_name"] = upload.name
        try:
            return super().process_import(request, **kwargs)
        except UploadGone:
            messages.error(request, "Nothing was imported: the upload is more than an hour old.")
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        except ImportFileError as error:  # the limits changed since the preview
            messages.error(request, f"Nothing was imported: {error}")
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        finally:
            upload.remove()

    def export_action(self, request):
        """Export the changelist's rows; filters it cannot read (the Export button carries the
        changelist's) send the editor back to the whole list, with a message."""
        try:
            return super().export_action(request)
        except (IncorrectLookupParameters, *UNREADABLE_FILTER):
            logger.warning("Unreadable export filters: %s", request.get_full_path(), exc_info=True)
            messages.warning(request, UNREADABLE_MESSAGE)
            changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            return redirect(f"{changelist}?{ERROR_FLAG}=1")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, "Nothing was imported. " + " ".join(error_lines(result)[:20]))
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        return super().process_result(result, request)
