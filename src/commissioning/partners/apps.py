from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "commissioning.partners"
    label = "partners"
    verbose_name = "Partners"
