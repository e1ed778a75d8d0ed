"""The services map: services, and the share of each budget line that funds them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("strategy", "0002_commissioning_strategies"),
        ("finance", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Service",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True)),
                (
                    "is_prevention",
                    models.BooleanField(
                        default=False,
                        help_text="Prevention and early intervention: counts towards the prevention share.",
                    ),
                ),
                (
                    "capacity",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Commissioned capacity; blank to read it from the active placements under its contracts.",
                        max_digits=10,
                        null=True,
                    ),
                ),
                (
                    "capacity_unit",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("beds", "Beds"),
                            ("hours_per_week", "Hours a week"),
                            ("places", "Places"),
                            ("people_per_year", "People a year"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "need_share_bp",
                    models.PositiveIntegerField(
                        default=10000,
                        help_text="Share of the people with that need this service is for, in basis points: 3000 is 30 %.",
                    ),
                ),
                (
                    "units_per_person",
                    models.DecimalField(
                        decimal_places=2,
                        default=1,
                        help_text="Capacity one person in need uses, e.g. 1 bed, or 10 hours of home care a week.",
                        max_digits=8,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("retired", "Retired")],
                        default="active",
                        max_length=10,
                    ),
                ),
                ("retired_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("version", models.PositiveIntegerField(default=1)),
                (
                    "areas",
                    models.ManyToManyField(
                        blank=True,
                        help_text="None means the whole partnership.",
                        related_name="mapped_services",
                        to="partners.area",
                    ),
                ),
                (
                    "care_groups",
                    models.ManyToManyField(
                        blank=True, related_name="mapped_services", to="partners.caregroup"
                    ),
                ),
                (
                    "commissioner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mapped_services",
                        to="partners.organisation",
                    ),
                ),
                (
                    "contracts",
                    models.ManyToManyField(
                        blank=True, related_name="mapped_services", to="contracts.contract"
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "need_measure",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="services",
                        to="needs.needmeasure",
                    ),
                ),
                (
                    "objectives",
                    models.ManyToManyField(
                        blank=True, related_name="services", to="strategy.strategicobjective"
                    ),
                ),
                (
                    "outcomes",
                    models.ManyToManyField(blank=True, related_name="services", to="strategy.outcome"),
                ),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mapped_services",
                        to="partners.partnership",
                    ),
                ),
                (
                    "priorities",
                    models.ManyToManyField(blank=True, related_name="services", to="strategy.priority"),
                ),
                (
                    "schemes",
                    models.ManyToManyField(blank=True, related_name="mapped_services", to="finance.scheme"),
                ),
            ],
            options={
                "ordering": ["partnership", "name"],
            },
        ),
        migrations.CreateModel(
            name="ServiceFunding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "share_bp",
                    models.PositiveIntegerField(help_text="Basis points of the line: 10000 is all of it."),
                ),
                (
                    "budget_line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="service_links",
                        to="finance.budgetline",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="funding_links",
                        to="strategy.service",
                    ),
                ),
            ],
            options={
                "ordering": ["service", "budget_line__financial_year", "budget_line__cost_centre"],
            },
        ),
        migrations.AddField(
            model_name="service",
            name="budget_lines",
            field=models.ManyToManyField(
                blank=True,
                related_name="mapped_services",
                through="strategy.ServiceFunding",
                to="finance.budgetline",
            ),
        ),
        migrations.AddConstraint(
            model_name="servicefunding",
            constraint=models.UniqueConstraint(
                fields=("service", "budget_line"), name="strategy_servicefunding_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="servicefunding",
            constraint=models.CheckConstraint(
                condition=models.Q(("share_bp__gte", 1), ("share_bp__lte", 10000)),
                name="strategy_servicefunding_share_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.UniqueConstraint(
                fields=("partnership", "name"), name="strategy_service_name_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["active", "retired"])),
                name="strategy_service_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("capacity_unit", ""),
                    ("capacity_unit__in", ["beds", "hours_per_week", "places", "people_per_year"]),
                    _connector="OR",
                ),
                name="strategy_service_unit_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("capacity__isnull", True),
                    models.Q(("capacity__gte", 0), models.Q(("capacity_unit", ""), _negated=True)),
                    _connector="OR",
                ),
                name="strategy_service_capacity_has_unit",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(("units_per_person__gt", 0)),
                name="strategy_service_units_per_person_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(("need_share_bp__gte", 1), ("need_share_bp__lte", 10000)),
                name="strategy_service_need_share_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "active"), ("retired_on__isnull", False), _connector="OR"),
                name="strategy_service_retired_has_date",
            ),
        ),
    ]
