from django.urls import path

from entrants import views

app_name = "entrants"

urlpatterns = [
    path("", views.home, name="home"),
    path("companies/", views.CompanyListView.as_view(), name="company_list"),
    path("companies/<str:slug>/", views.company_detail, name="company_detail"),
    path("models/", views.ModelListView.as_view(), name="model_list"),
    path("models/<str:slug>/", views.model_detail, name="model_detail"),
    path("partnerships/", views.PartnershipListView.as_view(), name="partnership_list"),
    path("partnerships/<uuid:uuid>/", views.partnership_detail, name="partnership_detail"),
    path("sightings/", views.SightingListView.as_view(), name="sighting_list"),
    path("sightings/<uuid:uuid>/", views.sighting_detail, name="sighting_detail"),
    path("prices/", views.PriceListView.as_view(), name="price_list"),
    path("prices/<uuid:uuid>/", views.price_detail, name="price_detail"),
    path("events/", views.EventListView.as_view(), name="event_list"),
    path("events/<uuid:uuid>/", views.event_detail, name="event_detail"),
    path("news/", views.NewsListView.as_view(), name="news_list"),
    path("news/<str:slug>/", views.news_detail, name="news_detail"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/<str:slug>/", views.person_detail, name="person_detail"),
    path("rates/", views.RateListView.as_view(), name="rate_list"),
    path("convert/", views.convert, name="convert"),
]
