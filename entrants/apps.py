from django.apps import AppConfig


class EntrantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "entrants"
    verbose_name = "Pakistan EV market"

    def ready(self):
        from entrants import cache, history

        cache.connect_signals()
        history.connect_signals()
