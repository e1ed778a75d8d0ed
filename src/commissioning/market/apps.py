from django.apps import AppConfig


class MarketConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commissioning.market"
    verbose_name = "Market and procurement"
