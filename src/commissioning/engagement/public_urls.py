"""Pages anyone may read, without signing in: what a partnership has published."""

from django.urls import path

from commissioning.engagement import views

app_name = "engagement_public"

urlpatterns = [
    path("you-said-we-did/", views.public_you_said_we_did, name="you_said_we_did"),
]
