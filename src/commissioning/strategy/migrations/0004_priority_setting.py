"""Priority-setting rounds: criteria, options, panel, interests, scores and optimiser runs."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import commissioning.core.money


class Migration(migrations.Migration):
    dependencies = [
        ("strategy", "0003_services_map"),
        ("governance", "0001_initial"),
        ("partners", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PriorityRound",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "financial_year",
                    models.PositiveSmallIntegerField(help_text="The year the financial year starts in."),
                ),
                (
                    "budget",
                    commissioning.core.money.MoneyField(
                        help_text="Net new money the round may commit; below zero, a savings target."
                    ),
                ),
                (
                    "min_prevention_share",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        help_text="Per cent of the money invested that must go on prevention.",
                        max_digits=5,
                    ),
                ),
                (
                    "scale_top",
                    models.PositiveSmallIntegerField(default=5, help_text="Scores run from 0 to this."),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("scoring", "Scoring"),
                            ("closed", "Scoring closed"),
                            ("decided", "Decided"),
                        ],
                        default="draft",
                        max_length=10,
                    ),
                ),
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
                        related_name="priority_rounds",
                        to="governance.decision",
                    ),
                ),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="priority_rounds",
                        to="partners.partnership",
                    ),
                ),
            ],
            options={
                "ordering": ["partnership", "-financial_year", "name"],
            },
        ),
        migrations.CreateModel(
            name="PanelMember",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("chair", "Chair"),
                            ("commissioner", "Commissioner"),
                            ("finance", "Finance lead"),
                            ("clinical", "Clinical or professional adviser"),
                            ("public", "Public or lay member"),
                        ],
                        max_length=15,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="panel",
                        to="strategy.priorityround",
                    ),
                ),
            ],
            options={
                "ordering": ["round", "role", "user__username"],
            },
        ),
        migrations.CreateModel(
            name="RoundCriterion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.SlugField(max_length=60)),
                ("label", models.CharField(max_length=120)),
                ("description", models.TextField(blank=True)),
                ("weight", models.DecimalField(decimal_places=2, max_digits=5)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="criteria",
                        to="strategy.priorityround",
                    ),
                ),
            ],
            options={
                "ordering": ["round", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="RoundOption",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[("investment", "Investment"), ("disinvestment", "Disinvestment")],
                        max_length=15,
                    ),
                ),
                (
                    "amount",
                    commissioning.core.money.MoneyField(
                        help_text="The cost of an investment or the saving of a disinvestment."
                    ),
                ),
                ("people", models.PositiveIntegerField(default=0, help_text="People affected a year.")),
                ("is_prevention", models.BooleanField(default=False)),
                (
                    "must_do",
                    models.BooleanField(default=False, help_text="A statutory or already-committed item."),
                ),
                (
                    "exclusive_group",
                    models.CharField(
                        blank=True,
                        help_text="Options sharing a group are alternatives: at most one is chosen.",
                        max_length=60,
                    ),
                ),
                (
                    "care_group",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="priority_options",
                        to="partners.caregroup",
                    ),
                ),
                (
                    "priority",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="round_options",
                        to="strategy.priority",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="options",
                        to="strategy.priorityround",
                    ),
                ),
            ],
            options={
                "ordering": ["round", "title"],
            },
        ),
        migrations.CreateModel(
            name="PanelScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("score", models.PositiveSmallIntegerField()),
                ("comment", models.TextField(blank=True)),
                ("scored_at", models.DateTimeField(auto_now=True)),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="strategy.panelmember",
                    ),
                ),
                (
                    "criterion",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="strategy.roundcriterion",
                    ),
                ),
                (
                    "option",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="strategy.roundoption",
                    ),
                ),
            ],
            options={
                "ordering": ["member", "option", "criterion"],
            },
        ),
        migrations.CreateModel(
            name="PanelInterest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("interest", models.TextField()),
                ("declared_at", models.DateTimeField(auto_now_add=True)),
                (
                    "register_entry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="round_interests",
                        to="governance.interest",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="interests",
                        to="strategy.panelmember",
                    ),
                ),
                (
                    "option",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="interests",
                        to="strategy.roundoption",
                    ),
                ),
            ],
            options={
                "ordering": ["member", "option__title"],
            },
        ),
        migrations.CreateModel(
            name="OptimisationRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("inputs_hash", models.CharField(max_length=64)),
                ("weights", models.JSONField(help_text="Criterion key → weight in per cent, as run.")),
                ("benefits", models.JSONField(help_text="Option id → weighted benefit, as run.")),
                (
                    "objective",
                    models.DecimalField(decimal_places=4, help_text="Total weighted benefit.", max_digits=12),
                ),
                ("total_cost", commissioning.core.money.MoneyField()),
                (
                    "prevention_share",
                    models.DecimalField(blank=True, decimal_places=4, max_digits=7, null=True),
                ),
                ("status", models.CharField(max_length=60)),
                ("gap", models.FloatField(default=0)),
                ("explanations", models.JSONField(help_text="Option id → why it is in or out.")),
                ("run_at", models.DateTimeField(auto_now_add=True)),
                (
                    "run_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="runs",
                        to="strategy.priorityround",
                    ),
                ),
                (
                    "chosen",
                    models.ManyToManyField(blank=True, related_name="chosen_in", to="strategy.roundoption"),
                ),
            ],
            options={
                "ordering": ["round", "-run_at", "-id"],
            },
        ),
        migrations.AddConstraint(
            model_name="priorityround",
            constraint=models.UniqueConstraint(
                fields=("partnership", "name"), name="strategy_priorityround_name_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="priorityround",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "scoring", "closed", "decided"])),
                name="strategy_priorityround_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="priorityround",
            constraint=models.CheckConstraint(
                condition=models.Q(("min_prevention_share__gte", 0), ("min_prevention_share__lte", 100)),
                name="strategy_priorityround_share_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="priorityround",
            constraint=models.CheckConstraint(
                condition=models.Q(("scale_top__in", (5, 10))), name="strategy_priorityround_scale_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="priorityround",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "decided"), _negated=True),
                    ("decision__isnull", False),
                    _connector="OR",
                ),
                name="strategy_priorityround_decided_has_decision",
            ),
        ),
        migrations.AddConstraint(
            model_name="panelmember",
            constraint=models.UniqueConstraint(fields=("round", "user"), name="strategy_panelmember_once"),
        ),
        migrations.AddConstraint(
            model_name="panelmember",
            constraint=models.CheckConstraint(
                condition=models.Q(("role__in", ["chair", "commissioner", "finance", "clinical", "public"])),
                name="strategy_panelmember_role_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="roundcriterion",
            constraint=models.UniqueConstraint(
                fields=("round", "key"), name="strategy_roundcriterion_key_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="roundcriterion",
            constraint=models.CheckConstraint(
                condition=models.Q(("weight__gte", 0), ("weight__lte", 100)),
                name="strategy_roundcriterion_weight_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="roundoption",
            constraint=models.UniqueConstraint(
                fields=("round", "title"), name="strategy_roundoption_title_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="roundoption",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["investment", "disinvestment"])),
                name="strategy_roundoption_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="roundoption",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="strategy_roundoption_amount_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="panelscore",
            constraint=models.UniqueConstraint(
                fields=("member", "option", "criterion"), name="strategy_panelscore_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="panelscore",
            constraint=models.CheckConstraint(
                condition=models.Q(("score__lte", 10)), name="strategy_panelscore_score_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="panelinterest",
            constraint=models.UniqueConstraint(
                fields=("member", "option"), name="strategy_panelinterest_once"
            ),
        ),
    ]
