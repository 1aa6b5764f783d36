"""The API's addresses: a DefaultRouter over the viewsets, the OpenAPI schema and its Swagger
UI (served from drf-spectacular-sidecar's static files: no asset from another host)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from entrants.api import views

router = DefaultRouter()
router.register("companies", views.CompanyViewSet, basename="company")
router.register("models", views.VehicleModelViewSet, basename="vehiclemodel")
router.register("partnerships", views.PartnershipViewSet, basename="partnership")
router.register("sightings", views.SightingViewSet, basename="sighting")
router.register("prices", views.PricePointViewSet, basename="pricepoint")
router.register("rates", views.ExchangeRateViewSet, basename="exchangerate")
router.register("events", views.MarketEventViewSet, basename="marketevent")
router.register("news", views.NewsItemViewSet, basename="newsitem")
router.register("people", views.PersonViewSet, basename="person")
router.register("statements", views.StatementViewSet, basename="statement")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
