from django.contrib import admin
from django.urls import include, path

from commissioning.config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("commissioning.web.account_urls")),
    path("", include("commissioning.web.urls")),
]
