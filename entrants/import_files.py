"""Reading an import file within bounds, in the admin and in ``manage.py import_rates``.

A file is refused, in words and before it is parsed, when it is larger than
``IMPORT_MAX_FILE_BYTES``; an XLSX file (a zip archive) also when its parts would unpack to more
than ``IMPORT_MAX_UNPACKED_BYTES`` — read from the archive's directory, before anything is
unpacked, so a small file holding a huge shared string costs nothing. Rows are read up to
``IMPORT_MAX_ROWS``; the resource (``entrants/resources.py``) refuses a file with more, and
cells longer than ``IMPORT_MAX_CELL_CHARS``.
"""

import io
import zipfile

import openpyxl
import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from import_export.formats.base_formats import CSV, XLSX


class ImportFileError(ValueError):
    """A file an import does not read, with the reason in words."""


def size_text(size):
    """Return a size in words: "5.0 MB" (with a plain space, for terminals too)."""
    return filesizeformat(size).replace("\xa0", " ")


def check_size(size, name):
    """Refuse a file of ``size`` bytes over the upload limit."""
    limit = settings.IMPORT_MAX_FILE_BYTES
    if size > limit:
        raise ImportFileError(
            f"{name} is {size_text(size)}; an import takes files of up to "
            f"{size_text(limit)}. Split it into smaller files."
        )


def check_archive(data, name):
    """Refuse an XLSX file that is not a zip archive or would unpack to more than the limit,
    reading only the archive's directory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportFileError(
            f"{name} is not an XLSX file (an XLSX file is a zip archive)."
        ) from error
    with archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if unpacked > limit:
        raise ImportFileError(
            f"{name} unpacks to {size_text(unpacked)}; an import reads XLSX files that "
            f"unpack to at most {size_text(limit)}. Save the sheet as CSV, or split it."
        )


class BoundedCSV(CSV):
    """CSV, refused over the size limit."""

    def create_dataset(self, in_stream):
        data = in_stream.encode() if isinstance(in_stream, str) else in_stream
        check_size(len(data), "The file")
        return super().create_dataset(in_stream)


class BoundedXLSX(XLSX):
    """XLSX (its first sheet), refused over the size and unpacked-size limits, and read only up
    to one row past the row limit (the resource then refuses the file)."""

    def create_dataset(self, in_stream):
        check_size(len(in_stream), "The file")
        check_archive(in_stream, "The file")
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            rows = book.active.iter_rows(values_only=True)
            dataset = tablib.Dataset(headers=list(next(rows, ())))
            for number, values in enumerate(rows, start=1):
                if number > settings.IMPORT_MAX_ROWS + 1:
                    break
                dataset.append(values)
        finally:
            book.close()
        return dataset


FORMATS = [BoundedCSV, BoundedXLSX]
FORMATS_BY_EXTENSION = {".csv": BoundedCSV, ".xlsx": BoundedXLSX}


def too_many_rows(dataset):
    """Return the refusal of a dataset over the row limit, or "" if it is within it."""
    limit = settings.IMPORT_MAX_ROWS
    if dataset.height <= limit:
        return ""
    return (
        f"The file has more than {limit:,} rows; an import takes at most {limit:,} rows at "
        "a time. Split it into smaller files."
    )


def overlong_cells(dataset, header_rows=1):
    """Return the refusal of every cell longer than the cell limit (at most five named)."""
    limit = settings.IMPORT_MAX_CELL_CHARS
    found = [
        f"Row {number}, {header}: the cell holds {len(value):,} characters, more than the "
        f"{limit:,} a cell may hold."
        for number, row in enumerate(dataset, start=header_rows + 1)
        for header, value in zip(dataset.headers, row, strict=False)
        if isinstance(value, str) and len(value) > limit
    ]
    return " ".join(found[:5])
