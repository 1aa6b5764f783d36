"""Failure drill: a large admin import while other editors save.

Serves the app as in production (gunicorn, 2 gthread workers, a PostgreSQL database of its
own, ``evmarket_drill_import``). One editor previews and then confirms an import of the largest
file the tracker takes (``IMPORT_MAX_ROWS`` exchange rates); meanwhile another editor saves a
company's change form again and again, over HTTP with its session, CSRF token and edit token,
as a browser does. It passes (exit 0) only if

- the preview and the confirm succeeded and every row was written,
- every save made while the import ran answered (a redirect: saved) within 1 s, and
- there were saves during both the preview and the confirm.

    .venv/bin/python drills/import_under_load.py
"""

import csv
import datetime
import http.cookiejar
import io
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from drills.serving import (  # noqa: E402
    DrillError,
    check,
    drill_database,
    manage,
    run_drill,
    say,
    served_app,
)
from tests.html_forms import form_data  # noqa: E402

DATABASE = "evmarket_drill_import"
PASSWORD = "a-long-drill-passphrase"
SLOWEST_SAVE_SECONDS = 1.0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep a redirect as the answer: an admin save answers 302 when it saved."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """An admin session over HTTP: cookies, the CSRF token, forms posted back as shown."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, path, data=None, content_type=None, timeout=60):
        """Return (status, body) of a GET, or of a POST of ``data`` (bytes)."""
        headers = {"Referer": self.base + path}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def post_form(self, path, fields, timeout=60):
        """POST ``fields`` ({name: [values]}) urlencoded."""
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request(path, data, "application/x-www-form-urlencoded", timeout)

    def post_file(self, path, fields, name, content, timeout=60):
        """POST ``fields`` and a file ``name`` holding ``content`` as multipart/form-data."""
        boundary = uuid.uuid4().hex
        parts = []
        for key, values in fields.items():
            for value in values:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="import_file"; '
            f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            path, b"".join(parts), f"multipart/form-data; boundary={boundary}", timeout
        )

    def log_in(self, username):
        status, page = self.request("/admin/login/")
        fields = form_data(page, "login-form", username=username, password=PASSWORD)
        status, _ = self.post_form("/admin/login/?next=/admin/", fields)
        if status != 302:
            raise DrillError(f"{username} could not log in (HTTP {status})")


def rate_file(rows):
    """Return a CSV of ``rows`` exchange rates, one a day from 2000."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "base", "quote", "rate", "source", "source_url", "notes"])
    first = datetime.date(2000, 1, 1)
    for day in range(rows):
        date = (first + datetime.timedelta(days=day)).isoformat()
        writer.writerow([date, "USD", "PKR", f"{200 + day / 1000:.3f}", "other", "", "drill"])
    return buffer.getvalue().encode()


class Saves:
    """Another editor saving one company's change form without pause."""

    def __init__(self, browser, path):
        self.browser = browser
        self.path = path
        self.saves = []  # (started, seconds, status)
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            number = 0
            while not self.stopping.is_set():
                number += 1
                _, page = self.browser.request(self.path)
                fields = form_data(page, "company_form", description=f"Saved {number} times")
                started = time.monotonic()
                status, _ = self.browser.post_form(self.path, fields, timeout=30)
                self.saves.append((started, time.monotonic() - started, status))
        except Exception as error:  # reported as a failed check
            self.error = error

    def during(self, start, end):
        return [save for save in self.saves if start <= save[0] <= end]

    def stop(self):
        self.stopping.set()
        self.thread.join(40)


def drill(args, log_dir):
    """Run the drill; return whether it passed."""
    with drill_database(DATABASE) as url, served_app(url, log_dir) as app:
        rows = int(manage(app.env, "shell", "-v", "0", "-c", SETTING).strip())
        for username in ("importer", "other"):
            manage(app.env, "shell", "-v", "0", "-c", MAKE_EDITOR.format(username=username))
        company = manage(app.env, "shell", "-v", "0", "-c", FIRST_COMPANY).strip()
        importer, other = Browser(app.port), Browser(app.port)
        importer.log_in("importer")
        other.log_in("other")
        saves = Saves(other, f"/admin/entrants/company/{company}/change/")
        try:
            time.sleep(1)
            say(f"Previewing an import of {rows:,} rates while another editor saves…")
            _, page = importer.request("/admin/entrants/exchangerate/import/")
            fields = form_data(page, None, import_file=None)
            fields.update(resource=["0"], format=["0"])
            started = time.monotonic()
            status, page = importer.post_file(
                "/admin/entrants/exchangerate/import/", fields, "rates.csv", rate_file(rows)
            )
            previewed = time.monotonic()
            confirmable = "Confirm import" in page
            say(f"Preview: HTTP {status} in {previewed - started:.1f} s; confirming…")
            process = "/admin/entrants/exchangerate/process_import/"
            confirm = form_data(page, process) if confirmable else {}
            status, _ = importer.post_form(process, confirm, timeout=90)
            confirmed = time.monotonic()
            say(f"Confirm: HTTP {status} in {confirmed - previewed:.1f} s")
            time.sleep(1)
        finally:
            saves.stop()
        written = int(manage(app.env, "shell", "-v", "0", "-c", COUNT_RATES).strip())

    during_preview = saves.during(started, previewed)
    during_confirm = saves.during(previewed, confirmed)
    during = during_preview + during_confirm
    slowest = max((seconds for _, seconds, _ in during), default=0.0)
    print("\nImport under load drill")
    print(f"  preview             {previewed - started:.1f} s ({rows:,} rows)")
    print(f"  confirm             {confirmed - previewed:.1f} s; {written:,} rates written")
    print(
        f"  other editor saves  {len(during_preview)} during the preview, "
        f"{len(during_confirm)} during the confirm; slowest {slowest:.2f} s"
    )
    if saves.error:
        print(f"  the other editor met: {saves.error!r}")
    return check(
        {
            "the preview offered to confirm": confirmable,
            "the confirm wrote every row": written >= rows,
            "saves during the preview and during the confirm": bool(during_preview)
            and bool(during_confirm),
            "every save saved (302)": all(status == 302 for _, _, status in during)
            and saves.error is None,
            f"every save answered within {SLOWEST_SAVE_SECONDS:.0f} s": slowest
            <= SLOWEST_SAVE_SECONDS,
        }
    )


SETTING = "from django.conf import settings; print(settings.IMPORT_MAX_ROWS)"
MAKE_EDITOR = (
    "from django.contrib.auth.models import Group, User; "
    "user = User.objects.create_user('{username}', password='" + PASSWORD + "', is_staff=True); "
    "user.groups.add(Group.objects.get(name='Editors'))"
)
FIRST_COMPANY = "from entrants.models import Company; print(Company.objects.first().pk)"
COUNT_RATES = "from entrants.models import ExchangeRate; print(ExchangeRate.objects.filter(notes='drill').count())"  # noqa: E501


if __name__ == "__main__":
    sys.exit(run_drill(drill, __doc__.split("\n\n")[0], 300))
