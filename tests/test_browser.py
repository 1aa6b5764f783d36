"""Real-browser tests: Debian's Chromium driven by Playwright against the live server.

They skip when Chromium is not installed, unless REQUIRE_BROWSER=1 (CI sets it, and installs
Chromium), in which case a missing browser is a failure.
"""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

if not shutil.which(CHROMIUM):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True
    )

sync_api = pytest.importorskip("playwright.sync_api")

# Playwright's sync API runs an event loop in this thread; the tests only touch the database
# between browser calls, never concurrently with them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    call_command("load_reference_data", stdout=StringIO())
    return live_server.url


@pytest.fixture
def page(browser):
    """A page that records every console error and uncaught exception."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: (
            message.type == "error" and page.problems.append(f"console: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: page.problems.append(f"pageerror: {error}"))
    yield page
    context.close()


def wait_for_charts(page, count):
    page.wait_for_function(
        f"document.querySelectorAll('[data-figure][data-drawn=\"true\"]').length >= {count}",
        timeout=15000,
    )


def test_overview_draws_its_plotly_charts(page, site):
    page.goto(f"{site}/")
    wait_for_charts(page, 3)
    for chart in ("timeline-chart", "price-chart", "rate-chart"):
        assert page.locator(f"#{chart} .chart-plot svg.main-svg").count() >= 1, chart
    assert page.locator("#price-chart .ytitle").text_content() == "Price (PKR)"
    # The market-entry timeline names the brands down its axis.
    assert "BYD" in page.locator("#timeline-chart .chart-plot").text_content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "overview.png", full_page=True)
    assert page.problems == []


def test_model_page_chart_switches_currency(page, site):
    page.goto(f"{site}/models/xiaomi-su7-max/")
    wait_for_charts(page, 1)
    assert page.locator("#price-history svg.main-svg").count() >= 1
    assert page.locator("#price-history .ytitle").text_content() == "Price (PKR)"

    page.select_option("form.currency-switch select[name=currency]", "USD")
    page.wait_for_url("**currency=USD**")
    wait_for_charts(page, 1)
    assert page.locator("#price-history .ytitle").text_content() == "Price (USD)"
    # The price table below the chart converts into the same currency.
    assert "USD 42,272" in page.locator("table.data").first.inner_text()  # 299,900 ÷ 7.0946
    page.locator("#price-history").screenshot(path=SCREENSHOTS / "price-chart.png")
    assert page.problems == []


def test_filter_form_round_trips_through_the_url(page, site):
    page.goto(f"{site}/sightings/")
    page.fill("input[name=q]", "karachi")
    page.click("text=Apply filters")
    page.wait_for_url("**q=karachi**")
    assert "Xiaomi SU7 Max" in page.locator("table.data").inner_text()
    # The permalink restores the same form and rows.
    page.goto(page.url)
    assert page.input_value("input[name=q]") == "karachi"
    assert page.locator("table.data tbody tr").count() == 1
    assert page.problems == []


def test_keyboard_alone_applies_a_filter(page, site):
    page.goto(f"{site}/models/")
    page.focus("input[name=q]")
    page.keyboard.type("max")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=max**")
    assert page.locator("table.data tbody tr").count() == 1
    assert page.problems == []


@pytest.mark.parametrize(
    "path",
    [
        "/companies/",
        "/models/",
        "/partnerships/",
        "/sightings/",
        "/prices/",
        "/events/",
        "/news/",
        "/people/",
        "/companies/air-link-communication/",
        "/news/br-2024-09-28-xiaomi-electric-cars-karachi-port/",
        "/people/lei-jun/",
    ],
)
def test_pages_load_without_console_errors(page, site, path):
    page.goto(f"{site}{path}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() == 1
    assert page.problems == []


def test_pages_fit_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    try:
        for path in ("/", "/prices/", "/models/xiaomi-su7/"):
            phone.goto(f"{site}{path}")
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()


ARTICLE = (
    "Two units of the BYD Seal have been spotted at Gwadar port, as the Chinese carmaker "
    "widens its footprint in Pakistan. The sedan will cost Rs 16.5 million, Mega Motor said "
    "in March."
)


def test_admin_pastes_an_article_accepts_suggestions_and_analysts_see_the_facts(
    page, site, django_user_model
):
    django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-passphrase")
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", "a-long-passphrase")
    page.click("input[type=submit]")
    page.goto(f"{site}/admin/entrants/newsitem/add/")

    # The publisher is chosen with the autocomplete widget, as an editor would.
    # One request at a time: the test database is shared with the live server's threads.
    with page.expect_response(lambda response: "autocomplete" in response.url):
        page.click("[aria-labelledby='select2-id_publisher-container']")
    with page.expect_response(lambda response: "term=Dawn" in response.url):
        page.fill(".select2-container--open .select2-search__field", "Dawn")
    page.locator(".select2-results__option", has_text="Dawn").first.click()
    page.fill("#id_headline", "BYD Seal spotted at Gwadar port")
    page.fill("#id_date", "2024-10-05")
    page.fill("#id_body", ARTICLE)
    page.click("input[name=_suggest]")

    page.wait_for_url("**/suggest/")
    assert "Draft sightings" in page.content()
    page.check("input[name=links-companies][value]:near(:text('BYD'))")
    page.check("input[name=sightings-0-accept]")
    page.check("input[name=prices-0-accept]")
    with page.expect_navigation():
        page.click("input[type=submit][value='Accept ticked suggestions']")
    page.wait_for_url("**/change/")
    assert "Accepted:" in page.locator(".messagelist").inner_text()

    page.goto(f"{site}/sightings/?q=gwadar")
    table = page.locator("table.data").inner_text()
    assert "BYD Seal" in table and "2" in table
    page.goto(f"{site}/prices/?model=byd-seal&price_currency=PKR")
    assert "PKR 16,500,000" in page.locator("table.data").inner_text()
    page.goto(f"{site}/news/")
    assert "BYD Seal spotted at Gwadar port" in page.locator("table.data").inner_text()
    assert page.problems == []
