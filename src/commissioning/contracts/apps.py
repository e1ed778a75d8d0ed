from django.apps import AppConfig


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commissioning.contracts"
    verbose_name = "Contracts and placements"
