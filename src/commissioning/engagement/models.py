"""Engagement: consultations, the responses they draw, the themes in them, and "you said, we did".

Decisions point to the themes that shaped them (``governance.Decision.themes``), so a theme's
"we did" can name the decisions that answered it and a decision page can show its evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from commissioning.partners.models import Partnership


class Audience(models.TextChoices):
    SERVICE_USERS = "service_users", "Service users"
    CARERS = "carers", "Carers"
    PROVIDERS = "providers", "Providers"
    STAFF = "staff", "Staff"
    PUBLIC = "public", "The public"


class Channel(models.TextChoices):
    SURVEY = "survey", "Online survey"
    PAPER = "paper", "Paper questionnaire"
    EVENT = "event", "Public event"
    FOCUS_GROUP = "focus_group", "Focus group"
    EMAIL = "email", "Email or letter"
    MEETING = "meeting", "Meeting"


class Consultation(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="consultations")
    title = models.CharField(max_length=255)
    purpose = models.TextField()
    audiences = models.JSONField(default=list, help_text="Who is asked: values of Audience.")
    channels = models.JSONField(default=list, help_text="How they are asked: values of Channel.")
    opens_on = models.DateField()
    closes_on = models.DateField()
    is_published = models.BooleanField(
        default=False, help_text="Shown on the public 'you said, we did' page."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="%(app_label)s_%(class)s_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Theme(models.Model):
    """Something people said, summarised ("you said"), and what the partnership did ("we did")."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="themes")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    you_said = models.TextField()
    we_did = models.TextField(blank=True)

    class Meta:
        ordering = ["consultation", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "title"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return self.title


class Response(models.Model):
    class Source(models.TextChoices):
        ENTERED = "entered", "Entered"
        IMPORTED = "imported", "Imported"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="responses")
    respondent_type = models.CharField(max_length=20, choices=Audience.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_on = models.DateField()
    text = models.TextField()
    themes = models.ManyToManyField(Theme, blank=True, related_name="responses")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)

    class Meta:
        ordering = ["consultation", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(respondent_type__in=[v for v, _ in Audience.choices]),
                name="%(app_label)s_%(class)s_respondent_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[v for v, _ in Channel.choices]),
                name="%(app_label)s_%(class)s_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_respondent_type_display()}, {self.received_on}: {self.text[:60]}"
