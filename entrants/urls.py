from django.urls import path, register_converter
from django.urls.converters import StringConverter

from entrants import compare_views, download_views, feeds, map_views, views
from entrants.access import analyst_page
from entrants.cache import versioned_page
from entrants.search import views as search_views


class SlugConverter(StringConverter):
    """A slug as the tracker makes them (letters in any script, digits, ``_`` and ``-``): a
    path with anything else (a NUL byte, which PostgreSQL refuses in a query) is a 404."""

    regex = r"[-\w]+"


register_converter(SlugConverter, "tracker_slug")


def page(view, parameters=None, machine=False, ordered=()):
    """An analyst page: read-only, public unless configured otherwise, cached by data version
    (``parameters``: the query parameters it reads; a class-based list names its own;
    ``ordered``: those whose values' order matters, ``versioned_page``).
    ``machine``: a feed or a file, read by programs (``analyst_page``)."""
    return analyst_page(versioned_page(view, parameters, ordered), machine=machine)


app_name = "entrants"

urlpatterns = [
    path("", page(views.home, views.CURRENCY_PARAMETERS), name="home"),
    path("companies/", page(views.CompanyListView.as_view()), name="company_list"),
    path("companies/<tracker_slug:slug>/", page(views.company_detail), name="company_detail"),
    path(
        "companies/<tracker_slug:slug>/feed/",
        page(feeds.CompanyFeed(), machine=True),
        name="company_feed",
    ),
    path("models/", page(views.ModelListView.as_view()), name="model_list"),
    path(
        "models/<tracker_slug:slug>/",
        page(views.model_detail, views.CURRENCY_PARAMETERS),
        name="model_detail",
    ),
    path(
        "models/<tracker_slug:slug>/feed/", page(feeds.ModelFeed(), machine=True), name="model_feed"
    ),
    path(
        "models/<tracker_slug:slug>/price-history.json",
        page(views.model_price_history, views.CURRENCY_PARAMETERS),
        name="model_price_history",
    ),
    path(
        "partnerships/",
        page(views.PartnershipListView.as_view()),
        name="partnership_list",
    ),
    path(
        "partnerships/<uuid:uuid>/",
        page(views.partnership_detail),
        name="partnership_detail",
    ),
    path("sightings/", page(views.SightingListView.as_view()), name="sighting_list"),
    path(
        "sightings/map/",
        page(map_views.sighting_map, map_views.MAP_PARAMETERS),
        name="sighting_map",
    ),
    path("sightings/<uuid:uuid>/", page(views.sighting_detail), name="sighting_detail"),
    path("prices/", page(views.PriceListView.as_view()), name="price_list"),
    path(
        "prices/<uuid:uuid>/",
        page(views.price_detail, views.CURRENCY_PARAMETERS),
        name="price_detail",
    ),
    path("events/", page(views.EventListView.as_view()), name="event_list"),
    path("events/<uuid:uuid>/", page(views.event_detail), name="event_detail"),
    path("news/", page(views.NewsListView.as_view()), name="news_list"),
    path("news/<tracker_slug:slug>/", page(views.news_detail), name="news_detail"),
    path("statements/", page(views.StatementListView.as_view()), name="statement_list"),
    path("people/", page(views.PersonListView.as_view()), name="person_list"),
    path("people/<tracker_slug:slug>/", page(views.person_detail), name="person_detail"),
    path("search/", page(search_views.search, ["q"]), name="search"),
    path("rates/", page(views.RateListView.as_view()), name="rate_list"),
    path(
        "compare/",
        page(
            compare_views.compare_page,
            compare_views.COMPARE_PARAMETERS,
            ordered=compare_views.ORDERED_PARAMETERS,
        ),
        name="compare",
    ),
    path("convert/", page(views.convert, views.CONVERT_PARAMETERS), name="convert"),
    path("changes/", page(views.recent_changes, views.CHANGES_PARAMETERS), name="changes"),
    path("changes/feed/", page(feeds.ChangesFeed(), ["kind"], machine=True), name="changes_feed"),
    path("feeds/news/", page(feeds.NewsFeed(), machine=True), name="news_feed"),
    path("feeds/facts/", page(feeds.FactsFeed(), machine=True), name="facts_feed"),
    # Not page(): their ETag names the data version of the build they send, which is older
    # than the current one while another process builds (entrants/download_views.py).
    path("download/", analyst_page(download_views.download_page), name="download"),
    path(
        "download/evmarket.sqlite3",
        analyst_page(download_views.sqlite_file, machine=True),
        name="download_sqlite",
    ),
    path(
        "download/evmarket-csv.zip",
        analyst_page(download_views.csv_zip, machine=True),
        name="download_csv",
    ),
]
