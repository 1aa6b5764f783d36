from django.urls import path

from entrants import views
from entrants.cache import versioned_page

app_name = "entrants"

urlpatterns = [
    path("", versioned_page(views.home), name="home"),
    path("companies/", versioned_page(views.CompanyListView.as_view()), name="company_list"),
    path("companies/<str:slug>/", versioned_page(views.company_detail), name="company_detail"),
    path("models/", versioned_page(views.ModelListView.as_view()), name="model_list"),
    path("models/<str:slug>/", versioned_page(views.model_detail), name="model_detail"),
    path(
        "models/<str:slug>/price-history.json",
        versioned_page(views.model_price_history),
        name="model_price_history",
    ),
    path(
        "partnerships/",
        versioned_page(views.PartnershipListView.as_view()),
        name="partnership_list",
    ),
    path(
        "partnerships/<uuid:uuid>/",
        versioned_page(views.partnership_detail),
        name="partnership_detail",
    ),
    path("sightings/", versioned_page(views.SightingListView.as_view()), name="sighting_list"),
    path("sightings/<uuid:uuid>/", versioned_page(views.sighting_detail), name="sighting_detail"),
    path("prices/", versioned_page(views.PriceListView.as_view()), name="price_list"),
    path("prices/<uuid:uuid>/", versioned_page(views.price_detail), name="price_detail"),
    path("events/", versioned_page(views.EventListView.as_view()), name="event_list"),
    path("events/<uuid:uuid>/", versioned_page(views.event_detail), name="event_detail"),
    path("news/", versioned_page(views.NewsListView.as_view()), name="news_list"),
    path("news/<str:slug>/", versioned_page(views.news_detail), name="news_detail"),
    path("people/", versioned_page(views.PersonListView.as_view()), name="person_list"),
    path("people/<str:slug>/", versioned_page(views.person_detail), name="person_detail"),
    path("rates/", versioned_page(views.RateListView.as_view()), name="rate_list"),
    path("convert/", versioned_page(views.convert), name="convert"),
]
