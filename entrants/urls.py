from django.urls import path

from entrants import views
from entrants.access import analyst_page
from entrants.cache import versioned_page


def page(view):
    """An analyst page: read-only, public unless configured otherwise, cached by data version."""
    return analyst_page(versioned_page(view))


app_name = "entrants"

urlpatterns = [
    path("", page(views.home), name="home"),
    path("companies/", page(views.CompanyListView.as_view()), name="company_list"),
    path("companies/<str:slug>/", page(views.company_detail), name="company_detail"),
    path("models/", page(views.ModelListView.as_view()), name="model_list"),
    path("models/<str:slug>/", page(views.model_detail), name="model_detail"),
    path(
        "models/<str:slug>/price-history.json",
        page(views.model_price_history),
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
    path("sightings/<uuid:uuid>/", page(views.sighting_detail), name="sighting_detail"),
    path("prices/", page(views.PriceListView.as_view()), name="price_list"),
    path("prices/<uuid:uuid>/", page(views.price_detail), name="price_detail"),
    path("events/", page(views.EventListView.as_view()), name="event_list"),
    path("events/<uuid:uuid>/", page(views.event_detail), name="event_detail"),
    path("news/", page(views.NewsListView.as_view()), name="news_list"),
    path("news/<str:slug>/", page(views.news_detail), name="news_detail"),
    path("people/", page(views.PersonListView.as_view()), name="person_list"),
    path("people/<str:slug>/", page(views.person_detail), name="person_detail"),
    path("rates/", page(views.RateListView.as_view()), name="rate_list"),
    path("convert/", page(views.convert), name="convert"),
]
