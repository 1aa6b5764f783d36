"""Real-browser tests: Debian's Chromium driven by Playwright against the live server.

They skip when Chromium is not installed, unless REQUIRE_BROWSER=1 (CI sets it, and installs
Chromium), in which case a missing browser is a failure.

Every page they open fails its test if it meets a Content Security Policy violation; axe-core
checks the analyst pages against WCAG 2.1 A and AA.
"""

import datetime
import os
import shutil
from importlib.resources import files
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from entrants.models import Sighting, VehicleModel
from tests.factories import (
    CompanyFactory,
    MarketEventFactory,
    PricePointFactory,
    SightingFactory,
    VehicleModelFactory,
)

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

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
NARROW_PHONE = {"width": 390, "height": 844}

# Chromium's console names the policy in every refusal ("Executing inline script violates the
# following Content Security Policy directive 'script-src 'self''...", the same for an inline
# event handler, a refused load, or eval's EvalError).
CSP = "Content Security Policy"
# Also report each violation event, with the directive and the place in the page that broke it,
# in case the console's wording changes. An init script runs outside the page's policy.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => console.error(
  `Content Security Policy violation: ${event.violatedDirective} refused `
  + `${event.blockedURI || "inline code"} in ${event.sourceFile || document.URL}`
  + (event.lineNumber ? `, line ${event.lineNumber}` : "")));
"""

# axe-core as axe-playwright-python ships it; evaluated through the DevTools protocol, it runs
# whatever the page's script-src says (a <script> element would be refused, rightly).
AXE_SCRIPT = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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


def new_watched_page(browser, **context_options):
    """Open a page in a new context that records on ``page.problems`` every console error,
    uncaught exception and Content Security Policy violation."""
    context = browser.new_context(**{"viewport": DESKTOP, **context_options})
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.problems = []

    def on_console(message):
        if message.type == "error" or CSP in message.text:
            page.problems.append(f"console {message.type} on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(f"pageerror on {page.url}: {error}"))
    return page


@pytest.fixture
def open_page(browser):
    """Return a function that opens a watched page (``new_watched_page``); fail the test at
    teardown if any of its pages met a Content Security Policy violation."""
    pages = []

    def open_page(**context_options):
        pages.append(new_watched_page(browser, **context_options))
        return pages[-1]

    yield open_page
    try:
        for page in pages:
            if not page.is_closed():
                page.evaluate("0")  # a round trip delivers the console messages under way
        violations = [problem for page in pages for problem in page.problems if CSP in problem]
    finally:
        for page in pages:
            page.context.close()
    assert not violations, f"{CSP} violations:\n" + "\n".join(violations)


@pytest.fixture
def page(open_page):
    """A desktop-sized watched page."""
    return open_page()


def wait_for_charts(page, count):
    """Wait until ``count`` charts are drawn. A locator, not ``wait_for_function``: the latter
    compiles its predicate in the page, which the page's CSP (no 'unsafe-eval') refuses."""
    drawn = page.locator('[data-figure][data-drawn="true"]')
    drawn.nth(count - 1).wait_for(state="attached", timeout=15000)


def test_overview_draws_its_plotly_charts(page, site):
    page.goto(f"{site}/")
    wait_for_charts(page, 3)
    for chart in ("timeline-chart", "price-chart", "rate-chart"):
        assert page.locator(f"#{chart} .chart-plot svg.main-svg").count() >= 1, chart
    # The price comparison's bars lie across: the price is on the x axis.
    assert page.locator("#price-chart .xtitle").text_content() == "Price (PKR)"
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
    page.fill(".filter-form input[name=q]", "karachi")
    page.click("text=Apply filters")
    page.wait_for_url("**q=karachi**")
    assert "Xiaomi SU7 Max" in page.locator("table.data").inner_text()
    # The permalink restores the same form and rows.
    page.goto(page.url)
    assert page.input_value(".filter-form input[name=q]") == "karachi"
    assert page.locator("table.data tbody tr").count() == 1
    assert page.problems == []


def press_tab_until(page, selector, limit=60):
    """Press Tab until the element that ``selector`` matches has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab did not reach {selector}")


def assert_visibly_focused(page):
    """Assert that the focused element draws the site's focus ring: an outline of at least 2px
    (Chromium's own is 1px) or a box shadow."""
    outline, width, shadow = page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return [style.outlineStyle, parseFloat(style.outlineWidth), style.boxShadow];
        }"""
    )
    focused = page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
    assert (outline != "none" and width >= 2) or shadow != "none", (
        f"no visible focus ring on {focused}: outline {outline} {width}px, shadow {shadow}"
    )


def test_keyboard_alone_filters_a_list(page, site):
    seal = VehicleModel.objects.get(slug="byd-seal")
    SightingFactory.create_batch(2, vehicle_model=seal, place="Gwadar port", city="Gwadar")
    assert Sighting.objects.count() > 2
    page.goto(f"{site}/sightings/")

    # The first Tab shows the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.locator(".skip").bounding_box()["x"] >= 0
    assert_visibly_focused(page)

    press_tab_until(page, "#id_city")
    assert_visibly_focused(page)
    page.keyboard.type("gwadar")
    press_tab_until(page, ".filter-form button[type=submit]")
    assert_visibly_focused(page)
    page.keyboard.press("Enter")

    page.wait_for_url("**city=gwadar**")
    assert page.locator("#results-heading").inner_text().startswith("2 rows")
    assert page.locator("table.data tbody tr", has_text="Gwadar port").count() == 2
    assert page.locator("table.data tbody tr").count() == 2
    assert page.input_value("#id_city") == "gwadar"
    assert page.problems == []


# The overview and the lists are walked by the accessibility test below, which asserts the same.
@pytest.mark.parametrize(
    "path",
    [
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


def test_pages_fit_a_phone(open_page, site):
    phone = open_page(viewport=PHONE, is_mobile=True)
    for path in (
        "/",
        "/prices/",
        "/models/xiaomi-su7/",
        "/changes/",
        "/changes/?kind=stated_conversion",
    ):
        phone.goto(f"{site}{path}")
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"


def test_the_download_page_fits_a_390_px_phone(open_page, site):
    """Its tables stack as the lists' do, each cell under its label (one grid item beside it,
    whatever links and code it holds); the long commands scroll inside their own box."""
    phone = open_page(viewport=NARROW_PHONE, is_mobile=True)
    phone.goto(f"{site}/download/")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    too_wide = phone.evaluate(
        "[...document.querySelectorAll('main *')].filter(element => !element.closest('pre')"
        " && element.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(element => element.outerHTML.slice(0, 100))"
    )
    assert overflow <= 1, f"/download/ scrolls sideways by {overflow}px at 390 px: {too_wide}"
    cells = phone.locator("table.data td")
    assert cells.count() > 20
    assert (
        cells.evaluate_all(
            "cells => cells.filter(cell => !cell.dataset.label || [...cell.childNodes].filter("
            "node => node.nodeType === Node.ELEMENT_NODE || node.textContent.trim()).length > 1)"
            ".map(cell => cell.outerHTML.slice(0, 80))"
        )
        == []
    )
    # Each cell: its label, then what it holds beside it, on one row of its grid.
    described = phone.locator("td[data-label='What it is']").first
    label_and_text = described.evaluate(
        "cell => [getComputedStyle(cell, '::before').content,"
        " cell.firstElementChild.getBoundingClientRect().top - cell.getBoundingClientRect().top]"
    )
    assert label_and_text[0] == '"What it is"' and label_and_text[1] < 10
    example = phone.locator("pre")
    box = example.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW_PHONE["width"]
    assert example.evaluate("pre => pre.scrollWidth > pre.clientWidth")  # it scrolls in itself
    assert phone.problems == []


def test_a_chart_that_leaves_prices_out_says_so_and_links_to_them(page, site):
    model = VehicleModelFactory(name="Testbed", maker__name="Omitted Motors")
    PricePointFactory(vehicle_model=model, amount=215900, date=datetime.date(2024, 9, 28))
    # The reference rates start in 2019: nothing converts a price of 2015.
    PricePointFactory(vehicle_model=model, amount=123456, date=datetime.date(2015, 5, 1))
    page.goto(f"{site}/prices/?model={model.slug}&currency=USD")
    wait_for_charts(page, 1)

    note = page.locator("#price-chart .chart-omitted a")
    assert note.inner_text() == "1 price not drawn: no USD rate for its date"
    assert note.is_visible()  # on the chart, not inside the collapsed table
    assert page.locator("#price-chart .chart-plot .bars .point").count() == 1
    rows = page.locator("#price-chart-no-rate")
    assert not rows.is_visible()
    note.click()
    page.wait_for_url("**#price-chart-no-rate")
    assert rows.is_visible()  # the link opened the table at those rows
    assert "CNY 123,456" in rows.inner_text()
    assert "CNY 215,900" not in rows.inner_text()
    assert page.problems == []


def plot_area(page, chart):
    """Return the bounding box of the plot area of the chart ``chart`` (Plotly's drag layer,
    which covers exactly the area between the axes)."""
    return page.locator(f"#{chart} .chart-plot .nsewdrag").first.bounding_box()


def test_the_charts_keep_their_plot_wide_on_a_390_px_phone(open_page, site):
    long_names = [
        "Karakoram Electric Vehicle Manufacturing and Assembly Company",
        "Indus Motor Company Electric Mobility Division",
    ]
    for day, name in enumerate(long_names, start=1):
        brand = CompanyFactory(name=name)
        event = MarketEventFactory(
            date=datetime.date(2024, 10, day),
            title=f"{name} announces a plan to assemble electric cars at a new plant near Karachi",
        )
        event.companies.add(brand)
    phone = open_page(viewport=NARROW_PHONE, is_mobile=True)
    phone.goto(f"{site}/")
    wait_for_charts(phone, 3)
    width = NARROW_PHONE["width"]
    for chart in ("timeline-chart", "price-chart", "rate-chart"):
        area = plot_area(phone, chart)
        assert area["width"] >= width / 2, f"{chart}: a plot {area['width']:.0f}px wide"
        # No mode bar over the legend; the legend, where there is one, is under the plot.
        assert phone.locator(f"#{chart} .modebar").count() == 0, chart
        legend = phone.locator(f"#{chart} .legend")
        if legend.count():
            assert legend.bounding_box()["y"] >= area["y"] + area["height"], chart
    # The timeline names its brands inside the plot, over their lines, on lines that fit.
    timeline = plot_area(phone, "timeline-chart")
    for name in long_names:
        label = phone.locator("#timeline-chart .annotation-text", has_text=name[:20])
        box = label.bounding_box()
        assert box["x"] >= timeline["x"] - 1, name
        assert box["x"] + box["width"] <= timeline["x"] + timeline["width"] + 1, name
        assert box["y"] >= timeline["y"], name
    phone.locator("#timeline-chart").screenshot(path=SCREENSHOTS / "timeline-phone.png")
    assert phone.problems == []


def axe_violations(page):
    """Run axe-core's WCAG 2.1 A and AA rules on the page; return its violations."""
    page.evaluate(AXE_SCRIPT)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            });
            return results.violations.map((violation) => ({
                id: violation.id, impact: violation.impact, help: violation.help,
                targets: violation.nodes.map((node) => node.target.join(" ")),
            }));
        }""",
        WCAG_21_A_AA,
    )


def describe(path, violation, shown=8):
    """Return one line naming a violation and the first ``shown`` elements it was found on."""
    targets = violation["targets"]
    where = "; ".join(targets[:shown])
    if len(targets) > shown:
        where += f" and {len(targets) - shown} more"
    return f"{path}: {violation['id']} ({violation['impact']}) {violation['help']} — {where}"


ACCESSIBLE_PAGES = [
    "/",
    "/companies/",
    "/models/",
    "/partnerships/",
    "/sightings/",
    "/prices/",
    "/events/",
    "/statements/",
    "/news/",
    "/people/",
    "/rates/",
    # A detail page with a price chart and table. The overview, prices, events and rates draw
    # their charts too.
    "/models/xiaomi-su7-max/",
]


def test_pages_have_no_serious_accessibility_violations(open_page, site):
    """axe-core finds nothing serious or critical on the overview, every list, a detail page
    and a chart page (once their charts are drawn), nor on a list on a phone; each page has one
    h1 and no console error."""
    desktop, phone = open_page(), open_page(viewport=PHONE, is_mobile=True)
    visits = [(desktop, path) for path in ACCESSIBLE_PAGES] + [(phone, "/prices/")]
    found, headings = [], {}
    for page, path in visits:
        page.goto(f"{site}{path}")
        charts = page.locator("[data-figure]").count()
        if charts:
            wait_for_charts(page, charts)
        label = f"{path} (phone)" if page is phone else path
        headings[label] = page.locator("h1").count()
        found += [describe(label, violation) for violation in axe_violations(page)]
    serious = [line for line in found if "(serious)" in line or "(critical)" in line]
    assert not serious, "axe-core (WCAG 2.1 A/AA) found:\n" + "\n".join(found)
    assert desktop.problems + phone.problems == []
    assert set(headings.values()) == {1}, headings


def test_the_policy_refuses_inline_script_and_the_watch_sees_it(browser, site):
    """A real page with an inline script slipped in: Chromium refuses to run it under the
    page's own policy header, and the watch that fails every other test here notices."""
    page = new_watched_page(browser)

    def add_inline_script(route):
        response = route.fetch()
        route.fulfill(
            status=response.status,
            headers={
                "Content-Type": response.headers["content-type"],
                "Content-Security-Policy": response.headers["content-security-policy"],
            },
            body=response.text().replace(
                "</body>", "<script>document.body.dataset.ran = 'yes';</script></body>"
            ),
        )

    try:
        page.route(f"{site}/companies/", add_inline_script)
        with page.expect_console_message(lambda message: CSP in message.text) as message:
            page.goto(f"{site}/companies/")
        assert "script-src" in message.value.text
        assert page.evaluate("document.body.dataset.ran") is None
        page.evaluate("0")
        assert any(CSP in problem for problem in page.problems)
    finally:
        page.context.close()


ARTICLE = (
    "Two units of the BYD Seal have been spotted at Gwadar port, as the Chinese carmaker "
    "widens its footprint in Pakistan. The sedan will cost Rs 16.5 million, Mega Motor said "
    "in March."
)


def paste_article(page, site, headline, date, body):
    """Add a news item from Dawn with ``body`` pasted in, and open its suggestions."""
    page.goto(f"{site}/admin/entrants/newsitem/add/")
    # The publisher is chosen with the autocomplete widget, as an editor would.
    # One request at a time: the test database is shared with the live server's threads.
    with page.expect_response(lambda response: "autocomplete" in response.url):
        page.click("[aria-labelledby='select2-id_publisher-container']")
    with page.expect_response(lambda response: "term=Dawn" in response.url):
        page.fill(".select2-container--open .select2-search__field", "Dawn")
    page.locator(".select2-results__option", has_text="Dawn").first.click()
    page.fill("#id_headline", headline)
    page.fill("#id_date", date)
    page.fill("#id_body", body)
    page.click("input[name=_suggest]")
    page.wait_for_url("**/suggest/")


def test_admin_pastes_an_article_accepts_suggestions_and_analysts_see_the_facts(
    page, site, django_user_model
):
    sign_in(page, site, django_user_model)
    paste_article(page, site, "BYD Seal spotted at Gwadar port", "2024-10-05", ARTICLE)
    assert "Draft sightings" in page.content()
    page.check("input[name=links-companies][value]:near(:text('BYD'))")
    page.check("input[name=sightings-0-accept]")
    # "The sedan" names no model: the draft says so and the editor chooses it.
    assert "No vehicle model is named in this sentence." in page.content()
    page.select_option("select[name=prices-0-vehicle_model]", label="BYD Seal")
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
    page.goto(f"{site}/news/?q=gwadar")
    assert "BYD Seal spotted at Gwadar port" in page.locator("table.data").inner_text()
    assert page.problems == []


def sign_in(page, site, django_user_model):
    """Create a superuser and sign in as them at the admin's login page."""
    django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-passphrase")
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", "a-long-passphrase")
    page.click("input[type=submit]")


def test_an_editor_reverts_a_record_from_its_history_page(page, site, django_user_model):
    from entrants.models import Company

    company = Company.objects.create(name="Revert Motors", description="Makes electric buses")
    company.description = "Vandalised"
    company.save()
    sign_in(page, site, django_user_model)

    page.goto(f"{site}/admin/entrants/company/{company.pk}/history/")
    page.locator("#change-history a", has_text="Revert Motors").last.click()  # the first version
    assert page.input_value("#id_description") == "Makes electric buses"
    with page.expect_navigation():
        page.click("input[type=submit][name=_save]")  # "Revert"
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    company.refresh_from_db()
    assert company.description == "Makes electric buses"

    # A revert form opened before someone else saved is refused, and says so.
    page.goto(f"{site}/admin/entrants/company/{company.pk}/history/")
    page.locator("#change-history a", has_text="Revert Motors").last.click()
    Company.objects.filter(pk=company.pk).first().save()  # another editor saves meanwhile
    with page.expect_navigation():
        page.click("input[type=submit][name=_save]")
    assert "Someone else changed this company" in page.locator("#content").inner_text()
    assert page.problems == []


def test_the_statements_list_is_axe_clean_with_its_filters_and_facets(open_page, site):
    """/statements/ — filtered by a person, so a facet is selected — has no axe-core violation
    of any impact, on a desktop and on a phone."""
    for page in (open_page(), open_page(viewport=PHONE, is_mobile=True)):
        page.goto(f"{site}/statements/")
        assert page.locator("table.data tbody tr").count() > 0
        page.locator("table.data tbody tr a").first.wait_for()
        person = page.locator("section.facet a").first
        person.click()
        page.wait_for_load_state("load")
        assert "person=" in page.url or "kind=" in page.url or "status=" in page.url
        assert page.locator("table.data tbody tr").count() > 0
        violations = [describe("/statements/", v) for v in axe_violations(page)]
        assert violations == []
        assert page.problems == []


def test_a_filter_permalink_carries_only_the_filters_set(page, site):
    """Submitting the filter form with one filter set gives ``?city=karachi``, not a query
    string of empty parameters; the form is usable again after Back; a long checkbox list
    narrows as one types and keeps the ticked choice first after the reload."""
    page.goto(f"{site}/sightings/")
    page.fill("#id_city", "karachi")
    page.click(".filter-form button[type=submit]")
    page.wait_for_url("**city=karachi**")
    assert page.url.split("?", 1)[1] == "city=karachi"
    page.go_back()
    assert page.locator(".filter-form input[name=q]").is_enabled()
    model = page.locator("fieldset", has_text="Model")
    # The long list is folded until opened; nothing in it is ticked yet.
    assert not model.locator(".checklist").is_visible()
    model.locator("summary").click()
    narrow = model.locator(".checklist-narrow")
    narrow.fill("su7 max")
    choice = model.locator("label", has_text="Xiaomi SU7 Max")
    assert choice.is_visible()
    assert model.locator("label:visible").count() < model.locator("label").count()
    choice.click()
    page.click(".filter-form button[type=submit]")
    page.wait_for_url("**model=xiaomi-su7-max**")
    assert "q=" not in page.url and "date_after=" not in page.url
    first = page.locator("fieldset", has_text="Model").locator("input[type=checkbox]").first
    assert first.is_checked()
    assert first.get_attribute("value") == "xiaomi-su7-max"
    assert page.problems == []


TWO_PRICES = (
    "The Honri VE sells for PKR 3.99 million, while Changan's Deepal L07 costs Rs 11.5 million, "
    "dealers said."
)


def test_an_editor_accepts_two_prices_of_one_sentence_and_each_is_on_its_own_model(
    page, site, django_user_model
):
    sign_in(page, site, django_user_model)
    paste_article(page, site, "Honri VE and Deepal L07 prices", "2025-03-12", TWO_PRICES)
    page.check("input[name=prices-0-accept]")
    page.check("input[name=prices-1-accept]")
    with page.expect_navigation():
        page.click("input[type=submit][value='Accept ticked suggestions']")
    assert "Accepted: 2 price points." in page.locator(".messagelist").inner_text()

    for slug, shown, not_shown in [
        ("honri-ve", "PKR 3,990,000", "PKR 11,500,000"),
        ("changan-deepal-l07", "PKR 11,500,000", "PKR 3,990,000"),
    ]:
        page.goto(f"{site}/models/{slug}/")
        prices = page.locator("section[aria-labelledby=prices-heading]").inner_text()
        assert shown in prices and not_shown not in prices, slug
    assert page.problems == []


UNDATED_IMPORT = (
    "Air Link imported two units of the Xiaomi SU7 Max, the company said. "
    "BYD's Seagull costs Rs 5.2 million, dealers said."
)


def test_an_editor_enters_an_undated_article_with_an_import_and_a_new_model(
    page, site, django_user_model
):
    """The entry the news desk could not do: no publication date, an import with no place, a
    price on a model the tracker does not know yet — created in one step from the drafts."""
    sign_in(page, site, django_user_model)
    paste_article(page, site, "Seagull priced, SU7 Max imported", "", UNDATED_IMPORT)
    assert "Draft sightings and imports" in page.content()
    page.check("input[name=links-new_models][value='BYD Seagull']")
    page.check("input[name=prices-0-accept]")
    assert page.locator("select[name=sightings-0-kind]").input_value() == "imported"
    page.check("input[name=sightings-0-accept]")
    with page.expect_navigation():
        page.click("input[type=submit][value='Accept ticked suggestions']")
    assert "1 new model" in page.locator(".messagelist").inner_text()

    seagull = VehicleModel.objects.get(name="Seagull")
    page.goto(f"{site}{seagull.get_absolute_url()}")
    prices = page.locator("section[aria-labelledby=prices-heading]").inner_text()
    assert "PKR 5,200,000" in prices
    page.goto(f"{site}/models/xiaomi-su7-max/")
    imports = page.locator("section[aria-labelledby=sightings-heading]").inner_text()
    # The kind is shown as a small-caps label: "IMPORT place not stated — 2 units, imported by …"
    assert (
        "IMPORT PLACE NOT STATED — 2 UNITS, IMPORTED BY AIR LINK COMMUNICATION" in imports.upper()
    )
    page.goto(f"{site}/news/?q=seagull")
    assert "date unknown" in page.locator("table.data").inner_text()
    assert page.problems == []


def test_the_api_docs_draw_the_schema_from_this_site_alone(page, site):
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    page.goto(f"{site}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock-tag-section", timeout=20000)
    assert "Pakistan EV market tracker API" in page.locator(".swagger-ui .title").first.inner_text()
    assert page.locator(".swagger-ui .opblock-summary-path", has_text="/api/prices/").count()
    assert set(hosts) == {urlsplit(site).netloc}, "an asset from another host"
    assert page.problems == []


def test_a_search_from_the_navigation_on_a_390_px_phone(open_page, site):
    """The box in the navigation finds Xiaomi from a misspelling; the grouped results fit a
    390 px phone, the matching words marked, and axe-core finds nothing."""
    phone = open_page(viewport=NARROW_PHONE, is_mobile=True)
    phone.goto(f"{site}/models/")
    phone.fill("#nav-search-q", "xiomi karachi")
    phone.press("#nav-search-q", "Enter")
    phone.wait_for_url("**/search/?q=xiomi+karachi")
    sightings = phone.locator("#results-sighting")
    assert "Xiaomi SU7 Max at Karachi port" in sightings.inner_text()
    assert sightings.locator("mark").all_inner_texts()[:2] == ["Xiaomi", "Karachi"]
    assert "also matched as" in phone.locator(".search-corrections").inner_text()
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"/search/ scrolls sideways by {overflow}px at 390 px"
    sightings.locator("a").first.click()
    phone.wait_for_url("**/sightings/*/")
    phone.go_back()
    violations = [describe("/search/", v) for v in axe_violations(phone)]
    assert violations == []
    assert phone.problems == []


def test_the_comparison_fits_a_390_px_phone_draws_its_chart_and_is_axe_clean(open_page, site):
    """/compare/ on a phone: the page does not scroll sideways (the table scrolls in its own
    box, the attribute names staying at its left), both models' names and prices can be
    scrolled to, the price-history chart is drawn, and axe-core finds nothing."""
    phone = open_page(viewport=NARROW_PHONE, is_mobile=True)
    phone.goto(f"{site}/compare/?model=xiaomi-su7&model=byd-seal")
    wait_for_charts(phone, 1)
    assert phone.locator("#compare-history .chart-plot svg.main-svg").count() >= 1
    assert phone.locator("#compare-history .legend").text_content().count("SU7") >= 1
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"/compare/ scrolls sideways by {overflow}px at 390 px"
    box = phone.locator(".compare-wrap")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")  # it scrolls in itself
    for name, price in (("Xiaomi SU7", "CNY 215,900"), ("BYD Seal", "CNY 289,800")):
        header = phone.locator("table.compare thead th", has_text=name)
        cell = phone.locator("table.compare td", has_text=price)
        for element in (header, cell):
            element.scroll_into_view_if_needed()
            assert element.is_visible(), name
            area = element.bounding_box()
            assert area["x"] >= 0 and area["x"] < NARROW_PHONE["width"], name
    # Scrolled to the last model, the attribute names are still in view at the left.
    label = phone.locator("table.compare th[scope=row]", has_text="Range")
    assert abs(label.bounding_box()["x"] - box.bounding_box()["x"]) <= 2
    violations = [describe("/compare/ (phone)", v) for v in axe_violations(phone)]
    assert violations == []
    phone.screenshot(path=SCREENSHOTS / "compare-phone.png", full_page=True)
    assert phone.problems == []


def test_the_comparison_adds_and_removes_models_with_its_form_and_links(page, site):
    page.goto(f"{site}/models/xiaomi-su7/")
    page.click("text=Compare with…")
    page.wait_for_url("**/compare/?model=xiaomi-su7**")
    assert "Add another model to compare with Xiaomi SU7" in page.locator("main").inner_text()
    page.select_option("#compare-add-model", "byd-seal")
    page.click("text=Add to the comparison")
    page.wait_for_url("**/compare/?model=xiaomi-su7&model=byd-seal&currency=PKR")
    wait_for_charts(page, 1)
    page.select_option("form.currency-switch select[name=currency]", "USD")
    page.wait_for_url("**currency=USD**")
    assert "USD 30,432" in page.locator("table.compare").inner_text()  # 215,900 ÷ 7.0946
    page.click("a.remove >> text=Remove BYD Seal")
    page.wait_for_url("**/compare/?model=xiaomi-su7&currency=USD**")
    assert page.locator("table.compare thead th").count() == 1
    violations = [describe("/compare/", v) for v in axe_violations(page)]
    assert violations == []


def test_the_sightings_map_draws_karachi_from_this_site_alone_and_fits_a_phone(open_page, site):
    """The map of sightings draws an SVG map of Pakistan with its markers (the SU7 Max seen at
    Karachi port, from the reference data) with Plotly's geo bundle and outlines from the
    tracker's own static files: no request leaves the site. At 390 px it fits the screen, its
    table stacks, and axe-core finds nothing serious."""
    SightingFactory(city="Dubai", place="Dubai Mall")  # abroad: the map of the world
    desktop, phone = open_page(), open_page(viewport=NARROW_PHONE, is_mobile=True)
    hosts = []
    for page in (desktop, phone):
        page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    desktop.goto(f"{site}/sightings/map/")
    wait_for_charts(desktop, 2)
    plot = desktop.locator("#sighting-map .chart-plot")
    assert plot.locator(".geo .layer.countries path").count() >= 1  # the outlines drawn
    markers = plot.locator(".scattergeo path.point")
    assert markers.count() >= 2  # Karachi, Lahore
    markers.first.hover(force=True)
    hover = desktop.locator("#sighting-map .hoverlayer")
    hover.wait_for(state="attached")
    assert "Karachi, Pakistan" in hover.text_content()
    assert "Latest: Xiaomi SU7 Max at Karachi port" in hover.text_content()
    world = desktop.locator("#sighting-map-abroad .chart-plot")
    assert world.locator(".scattergeo path.point").count() == 1
    found = [describe("/sightings/map/", violation) for violation in axe_violations(desktop)]

    phone.goto(f"{site}/sightings/map/?status=reported")
    wait_for_charts(phone, 1)
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"/sightings/map/ scrolls sideways by {overflow}px at 390 px"
    box = phone.locator("#sighting-map .chart-plot").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW_PHONE["width"]
    assert box["width"] >= NARROW_PHONE["width"] * 0.75, box
    assert phone.locator("#sighting-map .modebar").count() == 0  # the page scrolls under a thumb
    assert phone.locator("table.map-points td[data-label='Place']").first.is_visible()
    found += [describe("/sightings/map/ (phone)", v) for v in axe_violations(phone)]
    serious = [line for line in found if "(serious)" in line or "(critical)" in line]
    assert not serious, "axe-core (WCAG 2.1 A/AA) found:\n" + "\n".join(found)

    assert set(hosts) == {urlsplit(site).netloc}, f"requests to other hosts: {set(hosts)}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=SCREENSHOTS / "sightings-map-phone.png")
    assert desktop.problems + phone.problems == []


def test_the_overview_draws_its_small_map_beside_its_other_charts(page, site):
    """The overview loads the geo bundle for its map and the basic one for its bar and line
    charts: both draw."""
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    page.goto(f"{site}/")
    wait_for_charts(page, 4)
    assert page.locator("#overview-map .scattergeo path.point").count() >= 1
    assert page.locator("#price-chart .bars path").count() >= 1
    assert set(hosts) == {urlsplit(site).netloc}
    assert page.problems == []
