"""Reading an import file within bounds, in the admin and in ``manage.py import_rates``.

A file is refused, in words, when it is larger than ``IMPORT_MAX_FILE_BYTES``; an XLSX file (a
zip archive) also when its parts would unpack to more than ``IMPORT_MAX_UNPACKED_BYTES`` — read
from the archive's directory, before anything is unpacked. Rows are read one at a time, at most
``IMPORT_MAX_ROWS`` and one more (the resource, ``entrants/resources.py``, refuses a file with
more), and a row wider than ``IMPORT_MAX_COLUMNS`` is refused as it is read: a small file can
neither hold millions of rows nor millions of cells (a header of 100,000 commas, a cell at
column XFD). The resource also refuses cells longer than ``IMPORT_MAX_CELL_CHARS``.
"""

import csv
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
    reading only the archive's directory (zipfile never unpacks more than a member declares)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportFileError(f"{name} is not an XLSX file (which is a zip archive).") from error
    with archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if unpacked > limit:
        raise ImportFileError(
            f"{name} unpacks to {size_text(unpacked)}; an import reads XLSX files that "
            f"unpack to at most {size_text(limit)}. Save the sheet as CSV, or split it."
        )


def filled(cells):
    """Return ``cells`` as a list without its trailing empty cells."""
    cells = list(cells)
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return cells


def bounded_dataset(rows):
    """Return a Dataset of ``rows`` (an iterator of sequences, the header first): at most one
    row past the row limit, each row as wide as the header (empty cells added or dropped),
    refusing a header or a row with cells filled past ``IMPORT_MAX_COLUMNS``, or a row with
    more filled cells than the header has columns."""
    limit = settings.IMPORT_MAX_COLUMNS
    header = filled(next(rows, ()))
    if len(header) > limit:
        raise ImportFileError(
            f"The header row has more than {limit} columns; an import reads {limit} at most."
        )
    width = len(header)
    dataset = tablib.Dataset(headers=header)
    for number, row in enumerate(rows, start=2):
        if number > settings.IMPORT_MAX_ROWS + 2:
            break  # the resource refuses the file: it has more rows than an import takes
        cells = filled(row)
        if len(cells) > width:
            raise ImportFileError(
                f"Row {number} has cells filled past the last column of the header row "
                f"(column {width}): give every column a name in the header row."
            )
        dataset.append(cells + [None] * (width - len(cells)))
    return dataset


class BoundedCSV(CSV):
    """CSV, refused over the size limit, read a row at a time within the bounds."""

    def create_dataset(self, in_stream):
        check_size(len(in_stream), "The file")
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        return bounded_dataset(csv.reader(io.StringIO(in_stream)))


class BoundedXLSX(XLSX):
    """XLSX (its first sheet), refused over the size and unpacked-size limits, read a row at a
    time within the bounds, whatever size the sheet declares."""

    def create_dataset(self, in_stream):
        check_size(len(in_stream), "The file")
        check_archive(in_stream, "The file")
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            sheet = book.active
            # Without its declared size, a row is only as wide as its own last cell: one cell
            # at column XFD makes one wide row, not every row as wide.
            sheet.reset_dimensions()
            return bounded_dataset(sheet.iter_rows(values_only=True))
        finally:
            book.close()


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
