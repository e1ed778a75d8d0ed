from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commissioning.performance"
    verbose_name = "Performance and quality"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from commissioning.market.models import Rating
        from commissioning.performance.escalation import rating_recorded

        post_save.connect(rating_recorded, sender=Rating, dispatch_uid="performance.rating_escalation")
