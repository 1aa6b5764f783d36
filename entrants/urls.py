from django.urls import path

from entrants import views

app_name = "entrants"

urlpatterns = [
    path("", views.home, name="home"),
]
