from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commissioning.performance"
    verbose_name = "Performance and quality"
