from django.urls import path

from commissioning.needs import import_views

app_name = "needs"

urlpatterns = [
    path("import/", import_views.upload, name="import"),
]
