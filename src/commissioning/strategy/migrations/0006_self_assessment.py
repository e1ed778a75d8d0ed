"""Commissioning self-assessment."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("strategy", "0005_market_position"),
        ("partners", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SelfAssessment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("assessed_on", models.DateField()),
                ("overall_bp", models.PositiveIntegerField()),
                ("stage_scores", models.JSONField(default=dict)),
                ("answers", models.JSONField(default=list)),
                ("summary", models.TextField(blank=True)),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="self_assessments",
                        to="partners.partnership",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["partnership", "-assessed_on", "-recorded_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("overall_bp__lte", 10000)),
                        name="strategy_selfassessment_overall_range",
                    )
                ],
            },
        ),
    ]
