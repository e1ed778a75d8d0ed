"""Resources: each partner's budgets, aligned and pooled funds, schemes, spend and forecasts.

Money is Decimal pounds and pence throughout. Shares are basis points (1 % = 100) that must add
to exactly 10,000. Records that two people may edit at once carry a ``version`` for optimistic
locking: a service refuses a change made against an older version, so nothing is overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from commissioning.core.constraints import in_choices
from commissioning.core.money import MoneyField
from commissioning.governance.models import Agreement, Team
from commissioning.partners.models import CareGroup, Organisation, Partnership

FULL_SHARE = 10_000  # basis points: 100 %


class Tier(models.TextChoices):
    PREVENTION = "prevention", "Prevention and early intervention"
    COMMUNITY = "community", "Community"
    SPECIALIST = "specialist", "Specialist and acute"
    PLACEMENTS = "placements", "Placements"


class Arrangement(models.TextChoices):
    SINGLE = "single", "Single agency"
    ALIGNED = "aligned", "Aligned"
    POOLED = "pooled", "Pooled"


class RiskShareRule(models.TextChoices):
    PROPORTIONAL = "proportional", "In proportion to contributions"
    HOST = "host", "The host partner carries it"
    FIXED = "fixed", "Fixed shares"
    CAPPED = "capped", "Capped shares, the remainder to the host"


class PooledFund(models.Model):
    """A Section 75 (or similar) pooled fund: a host partner holds it, partners contribute."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="pooled_funds")
    name = models.CharField(max_length=200)
    host = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="hosted_funds")
    purpose = models.TextField()
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="pooled_funds"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    risk_share_rule = models.CharField(
        max_length=15, choices=RiskShareRule.choices, default=RiskShareRule.PROPORTIONAL
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partnership", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("risk_share_rule", RiskShareRule),
                name="%(app_label)s_%(class)s_rule_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contribution(models.Model):
    """A partner's contribution to a pooled fund in one financial year; shares follow from amounts."""

    fund = models.ForeignKey(PooledFund, on_delete=models.CASCADE, related_name="contributions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contributions")
    financial_year = models.PositiveSmallIntegerField(help_text="2014 is 2014/15.")
    amount = MoneyField()

    class Meta:
        ordering = ["fund", "financial_year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "organisation", "financial_year"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} to {self.fund} {self.financial_year}: £{self.amount:,.2f}"


class RiskShare(models.Model):
    """A partner's fixed share of a fund's over- or underspend, and its cap under the capped rule."""

    fund = models.ForeignKey(PooledFund, on_delete=models.CASCADE, related_name="risk_shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="risk_shares")
    share_bp = models.PositiveIntegerField(help_text="Basis points: 2500 is 25 %.")
    cap = MoneyField(null=True, blank=True, help_text="The most this partner carries (capped rule).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fund", "organisation"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=Q(share_bp__lte=FULL_SHARE), name="%(app_label)s_%(class)s_share_max"
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0), name="%(app_label)s_%(class)s_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.share_bp / 100:.2f} % of {self.fund}"


class Scheme(models.Model):
    """A funded initiative inside a fund, in the manner of a Better Care Fund scheme."""

    fund = models.ForeignKey(PooledFund, on_delete=models.CASCADE, related_name="schemes")
    name = models.CharField(max_length=200)
    scheme_type = models.CharField(max_length=120, help_text="e.g. Reablement, Carers' services, Home care.")
    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="commissioned_schemes"
    )
    provider_type = models.CharField(
        max_length=120, blank=True, help_text="e.g. NHS community provider, VCSE."
    )
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="provided_schemes"
    )
    tier = models.CharField(max_length=15, choices=Tier.choices, default=Tier.COMMUNITY)
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="schemes"
    )

    class Meta:
        ordering = ["fund", "name"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "name"], name="%(app_label)s_%(class)s_name_unique"),
            models.CheckConstraint(
                condition=in_choices("tier", Tier), name="%(app_label)s_%(class)s_tier_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchemeFunding(models.Model):
    """Planned expenditure on a scheme from one partner's contribution in one year."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="funding")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="scheme_funding")
    financial_year = models.PositiveSmallIntegerField()
    amount = MoneyField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "organisation", "financial_year"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} from {self.organisation} {self.financial_year}: £{self.amount:,.2f}"


class BudgetLine(models.Model):
    """A partner's commissioning budget for one year, care group, service area and tier."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="budget_lines")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="budget_lines")
    financial_year = models.PositiveSmallIntegerField()
    cost_centre = models.CharField(max_length=30, help_text="The ledger's code, used to map actuals.")
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="budget_lines"
    )
    service_area = models.CharField(max_length=120)
    tier = models.CharField(max_length=15, choices=Tier.choices)
    arrangement = models.CharField(max_length=10, choices=Arrangement.choices, default=Arrangement.SINGLE)
    fund = models.ForeignKey(
        PooledFund, null=True, blank=True, on_delete=models.PROTECT, related_name="budget_lines"
    )
    scheme = models.ForeignKey(
        Scheme, null=True, blank=True, on_delete=models.SET_NULL, related_name="budget_lines"
    )
    amount = MoneyField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partnership", "financial_year", "organisation__name", "cost_centre"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation", "financial_year", "cost_centre"],
                name="%(app_label)s_%(class)s_cost_centre_once",
            ),
            models.CheckConstraint(
                condition=in_choices("tier", Tier), name="%(app_label)s_%(class)s_tier_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("arrangement", Arrangement),
                name="%(app_label)s_%(class)s_arrangement_valid",
            ),
            models.CheckConstraint(
                condition=~Q(arrangement="pooled") | Q(fund__isnull=False),
                name="%(app_label)s_%(class)s_pooled_has_fund",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.cost_centre} {self.financial_year}: £{self.amount:,.2f}"


class LedgerImport(models.Model):
    """One file of actuals or forecasts: where the figures came from."""

    class Kind(models.TextChoices):
        LEDGER = "ledger", "Ledger extract"
        TRANSPARENCY = "transparency", "Spend over £500 (Transparency Code)"
        FORECAST = "forecast", "Forecasts"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="ledger_imports")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class Actual(models.Model):
    """Money spent against a budget line in a month (first day of the month)."""

    budget_line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="actuals")
    month = models.DateField()
    amount = MoneyField(help_text="Credits (refunds) are negative.")
    supplier = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=60, blank=True)
    source_import = models.ForeignKey(
        LedgerImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="actuals"
    )

    class Meta:
        ordering = ["budget_line", "month"]
        indexes = [models.Index(fields=["budget_line", "month"], name="finance_actual_line_month")]

    def __str__(self) -> str:
        return f"{self.budget_line.cost_centre} {self.month:%b %Y}: £{self.amount:,.2f}"


class Forecast(models.Model):
    """The year-end outturn forecast for a budget line, as made in one month: the history is kept."""

    budget_line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="forecasts")
    made_in = models.DateField(help_text="The month the forecast was made (first day).")
    outturn = MoneyField()
    source_import = models.ForeignKey(
        LedgerImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="forecasts"
    )

    class Meta:
        ordering = ["budget_line", "made_in"]
        constraints = [
            models.UniqueConstraint(fields=["budget_line", "made_in"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_line.cost_centre} forecast {self.made_in:%b %Y}: £{self.outturn:,.2f}"


class JointPost(models.Model):
    """A post in a jointly funded unit, split between partners: existing posts keep their split,
    new posts are shared equally."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="joint_posts")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=200)
    annual_cost = MoneyField()
    is_new = models.BooleanField(default=False)

    class Meta:
        ordering = ["team", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_cost__gte=0), name="%(app_label)s_%(class)s_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PostShare(models.Model):
    post = models.ForeignKey(JointPost, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="post_shares")
    share_bp = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "organisation"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=Q(share_bp__lte=FULL_SHARE), name="%(app_label)s_%(class)s_share_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.share_bp / 100:.2f} % of {self.post}"


class PreventionTarget(models.Model):
    """The share of commissioning spend the partnership aims to put into prevention, by year."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="prevention_targets")
    financial_year = models.PositiveSmallIntegerField()
    share_bp = models.PositiveIntegerField()

    class Meta:
        ordering = ["partnership", "financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "financial_year"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=Q(share_bp__lte=FULL_SHARE), name="%(app_label)s_%(class)s_share_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.financial_year}: {self.share_bp / 100:.1f} %"
