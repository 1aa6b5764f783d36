from django.apps import AppConfig


class EntrantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "entrants"
    verbose_name = "Pakistan EV market"

    def ready(self):
        from entrants import cache, history
        from entrants.search import index

        cache.connect_signals()
        history.connect_signals()
        index.connect_signals(self)
