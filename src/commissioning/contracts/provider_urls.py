"""The provider register and provider pages under ``/p/<slug>/providers/``: the market's views for
registering and rating, and this app's register with spending and the provider page."""

from django.urls import path

from commissioning.contracts import provider_views
from commissioning.market import provider_views as market_views

app_name = "providers"

urlpatterns = [
    path("", provider_views.provider_list, name="list"),
    path("new/", market_views.provider_new, name="new"),
    path("<int:pk>/", provider_views.provider_detail, name="detail"),
    path("<int:pk>/edit/", market_views.provider_edit, name="edit"),
    path("<int:pk>/rate/", market_views.provider_rate, name="rate"),
    path("<int:pk>/locations/new/", market_views.location_new, name="location_new"),
    path("<int:pk>/services/new/", market_views.service_new, name="service_new"),
]
