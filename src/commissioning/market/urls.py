"""Procurement pages under ``/p/<slug>/market/``."""

from django.urls import path

from commissioning.market import views

app_name = "market"

urlpatterns = [
    path("procurements/", views.procurements, name="procurements"),
    path("procurements/new/", views.procurement_new, name="procurement_new"),
    path("procurements/route/", views.route_check, name="route_check"),
    path("procurements/<int:pk>/", views.procurement, name="procurement"),
    path("procurements/<int:pk>/edit/", views.procurement_edit, name="procurement_edit"),
    path("procurements/<int:pk>/stage/", views.milestone, name="milestone"),
    path("procurements/<int:pk>/panel/", views.panel, name="panel"),
    path("procurements/<int:pk>/criteria/", views.criteria, name="criteria"),
    path("procurements/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("procurements/<int:pk>/bids/", views.bids, name="bids"),
    path("procurements/<int:pk>/bids/new/", views.bid_new, name="bid_new"),
    path("procurements/<int:pk>/bids/<int:bid_pk>/status/", views.bid_status, name="bid_status"),
    path("procurements/<int:pk>/bids/<int:bid_pk>/score/", views.score, name="score"),
    path("procurements/<int:pk>/bids/<int:bid_pk>/moderate/", views.moderate, name="moderate"),
    path("procurements/<int:pk>/price-scores/", views.price_scores, name="price_scores"),
    path("procurements/<int:pk>/award/", views.award, name="award"),
]
