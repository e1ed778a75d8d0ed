"""Commissioning intentions and market position statements."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("strategy", "0004_priority_setting"),
        ("contracts", "0001_initial"),
        ("governance", "0001_initial"),
        ("market", "0001_initial"),
        ("partners", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MarketStatement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("intentions", "Commissioning intentions"),
                            ("market_position", "Market position statement"),
                        ],
                        max_length=20,
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "financial_year",
                    models.PositiveSmallIntegerField(help_text="The year it covers, by its April start."),
                ),
                ("review_months", models.PositiveSmallIntegerField(default=12)),
                ("next_review_on", models.DateField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "care_group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="market_statements",
                        to="partners.caregroup",
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
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="market_statements",
                        to="partners.partnership",
                    ),
                ),
            ],
            options={
                "ordering": ["partnership", "care_group__position", "kind", "-financial_year"],
            },
        ),
        migrations.CreateModel(
            name="StatementVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted for approval"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("published", "Published"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="draft",
                        max_length=10,
                    ),
                ),
                ("snapshot", models.JSONField(blank=True, null=True)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("published_on", models.DateField(blank=True, null=True)),
                ("withdrawn_on", models.DateField(blank=True, null=True)),
                ("withdrawn_reason", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "decision",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="market_statement_versions",
                        to="governance.decision",
                    ),
                ),
                (
                    "statement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="strategy.marketstatement",
                    ),
                ),
            ],
            options={
                "ordering": ["statement", "-number"],
            },
        ),
        migrations.CreateModel(
            name="SectionCommentary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "section",
                    models.CharField(
                        choices=[
                            ("introduction", "About this statement"),
                            ("needs", "Needs and projections"),
                            ("provision", "Current provision"),
                            ("spend", "Spend"),
                            ("prices", "Prices"),
                            ("quality", "Quality"),
                            ("intentions", "Our intentions"),
                            ("providers", "What we want from providers"),
                        ],
                        max_length=20,
                    ),
                ),
                ("text", models.TextField()),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="commentary",
                        to="strategy.statementversion",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "section commentary",
                "ordering": ["version", "section"],
            },
        ),
        migrations.CreateModel(
            name="Intention",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                (
                    "service_type",
                    models.CharField(
                        choices=[
                            ("residential", "Residential care"),
                            ("nursing", "Nursing care"),
                            ("home_care", "Home care"),
                            ("supported_living", "Supported living"),
                            ("day_opportunities", "Day opportunities"),
                            ("reablement", "Reablement and intermediate care"),
                            ("community_health", "Community health services"),
                            ("mental_health", "Mental health services"),
                            ("carers", "Carers' support"),
                            ("advocacy", "Advocacy and information"),
                            ("equipment", "Equipment and adaptations"),
                            ("prevention", "Prevention and wellbeing"),
                            ("short_breaks", "Short breaks"),
                            ("substance_misuse", "Substance misuse services"),
                            ("other", "Other services"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "description",
                    models.CharField(help_text="The service or part of the market.", max_length=255),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[
                            ("grow", "Grow"),
                            ("maintain", "Maintain"),
                            ("reduce", "Reduce"),
                            ("decommission", "Decommission"),
                        ],
                        max_length=12,
                    ),
                ),
                ("starts_on", models.DateField()),
                ("ends_on", models.DateField(blank=True, null=True)),
                ("rationale", models.TextField()),
                (
                    "area",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.area",
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="intentions",
                        to="contracts.contract",
                    ),
                ),
                (
                    "objective",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="intentions",
                        to="strategy.strategicobjective",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="intentions",
                        to="strategy.statementversion",
                    ),
                ),
            ],
            options={
                "ordering": ["version", "position"],
            },
        ),
        migrations.AddConstraint(
            model_name="marketstatement",
            constraint=models.UniqueConstraint(
                fields=("partnership", "care_group", "kind", "financial_year"),
                name="strategy_marketstatement_once_a_year",
            ),
        ),
        migrations.AddConstraint(
            model_name="marketstatement",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["intentions", "market_position"])),
                name="strategy_marketstatement_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="marketstatement",
            constraint=models.CheckConstraint(
                condition=models.Q(("review_months__gte", 1), ("review_months__lte", 36)),
                name="strategy_marketstatement_review_months_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="marketstatement",
            constraint=models.CheckConstraint(
                condition=models.Q(("financial_year__gte", 2000), ("financial_year__lte", 2100)),
                name="strategy_marketstatement_year_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="statementversion",
            constraint=models.UniqueConstraint(
                fields=("statement", "number"), name="strategy_statementversion_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="statementversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "submitted", "published", "withdrawn"])),
                name="strategy_statementversion_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="statementversion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "draft"),
                    models.Q(("decision__isnull", False), ("snapshot__isnull", False)),
                    _connector="OR",
                ),
                name="strategy_statementversion_submitted_is_frozen",
            ),
        ),
        migrations.AddConstraint(
            model_name="statementversion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "published"), _negated=True),
                    ("published_on__isnull", False),
                    _connector="OR",
                ),
                name="strategy_statementversion_published_has_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="sectioncommentary",
            constraint=models.UniqueConstraint(
                fields=("version", "section"), name="strategy_sectioncommentary_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="sectioncommentary",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "section__in",
                        [
                            "introduction",
                            "needs",
                            "provision",
                            "spend",
                            "prices",
                            "quality",
                            "intentions",
                            "providers",
                        ],
                    )
                ),
                name="strategy_sectioncommentary_section_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="intention",
            constraint=models.UniqueConstraint(
                fields=("version", "position"), name="strategy_intention_position_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="intention",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "service_type__in",
                        [
                            "residential",
                            "nursing",
                            "home_care",
                            "supported_living",
                            "day_opportunities",
                            "reablement",
                            "community_health",
                            "mental_health",
                            "carers",
                            "advocacy",
                            "equipment",
                            "prevention",
                            "short_breaks",
                            "substance_misuse",
                            "other",
                        ],
                    )
                ),
                name="strategy_intention_service_type_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="intention",
            constraint=models.CheckConstraint(
                condition=models.Q(("direction__in", ["grow", "maintain", "reduce", "decommission"])),
                name="strategy_intention_direction_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="intention",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_on__isnull", True), ("ends_on__gte", models.F("starts_on")), _connector="OR"
                ),
                name="strategy_intention_dates_ordered",
            ),
        ),
    ]
