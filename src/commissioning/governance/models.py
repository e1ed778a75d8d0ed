"""Governance: boards and groups, meetings, decisions, the scheme of delegation, interests, agreements.

A partnership decides together while each partner keeps its own accountability: a decision
that commits a partner's money needs approval under that partner's scheme of delegation, or by
a joint board the partner has delegated to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from commissioning.core.constraints import in_choices
from commissioning.core.money import MoneyField
from commissioning.core.permissions import ROLE_CHOICES
from commissioning.engagement.models import Theme
from commissioning.governance.rules import financial_year_label
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership


class BoardKind(models.TextChoices):
    BOARD = "board", "Board"
    GROUP = "group", "Strategic commissioning group"


class Board(models.Model):
    """A board or group with its terms of reference: purpose, membership, quorum, frequency, reporting."""

    Kind = BoardKind

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BOARD)
    purpose = models.TextField()
    scope = models.TextField(blank=True)
    reports_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reporting_groups",
        help_text="The board this group reports to.",
    )
    reports_to_body = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where a board reports outside the partnership, e.g. the Health and Wellbeing Board.",
    )
    quorum_minimum = models.PositiveSmallIntegerField(
        default=3, help_text="Voting members who must be present."
    )
    quorum_each_partner = models.BooleanField(
        default=True, help_text="At least one voting member from each partner organisation must be present."
    )
    meetings_min_per_year = models.PositiveSmallIntegerField(default=4)
    meetings_max_per_year = models.PositiveSmallIntegerField(default=6)
    delegated_by = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="delegated_boards",
        help_text="Partners whose schemes of delegation let this board approve for them.",
    )
    care_groups = models.ManyToManyField(CareGroup, blank=True, related_name="boards")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["partnership", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "slug"], name="%(app_label)s_%(class)s_slug_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("kind", BoardKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(meetings_min_per_year__lte=F("meetings_max_per_year")),
                name="%(app_label)s_%(class)s_frequency_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quorum_minimum__gte=1), name="%(app_label)s_%(class)s_quorum_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BoardMemberRole(models.TextChoices):
    CHAIR = "chair", "Chair"
    MEMBER = "member", "Member"
    CO_OPTED = "co_opted", "Co-opted member"
    ADVISER = "adviser", "Adviser"


class BoardMember(models.Model):
    """A person's seat on a board, for an organisation, with a role; advisers do not vote."""

    Role = BoardMemberRole

    VOTING_ROLES = (Role.CHAIR, Role.MEMBER, Role.CO_OPTED)

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_seats")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="board_seats")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["board", "role", "person__username"]
        constraints = [
            models.UniqueConstraint(fields=["board", "person"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=in_choices("role", BoardMemberRole), name="%(app_label)s_%(class)s_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=F("joined_on")),
                name="%(app_label)s_%(class)s_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}, {self.organisation})"

    @property
    def votes(self) -> bool:
        return self.role in self.VOTING_ROLES


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    Status = MeetingStatus

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    minutes = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", MeetingStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.board} – {self.starts_at:%d %B %Y}"


class Attendance(models.Model):
    """Who was there: quorum is counted from these rows."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(BoardMember, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} at {self.meeting}: {'present' if self.present else 'absent'}"


class Action(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="governance_actions"
    )
    due_on = models.DateField()
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"{self.description[:60]} ({self.owner}, by {self.due_on})"


class DecisionKind(models.TextChoices):
    STRATEGY = "strategy", "Strategy or policy"
    BUDGET = "budget", "Budget or funding"
    CONTRACT = "contract", "Contract or procurement"
    SERVICE = "service", "Service change"
    GOVERNANCE = "governance", "Governance or partnership arrangement"


class DecisionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DEFERRED = "deferred", "Deferred"


class Decision(models.Model):
    """A proposal and its decision, in the structure of a council cabinet or NHS board paper."""

    Kind = DecisionKind

    State = DecisionState

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="decisions")
    reference = models.CharField(max_length=40)
    title = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    summary = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)
    reasons = models.TextField(blank=True)
    legal_implications = models.TextField(blank=True)
    is_key_decision = models.BooleanField(default=False)
    expected_on = models.DateField(
        null=True, blank=True, help_text="When it is expected to be decided (forward plan)."
    )
    decided_at = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decided_on = models.DateField(null=True, blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="decisions")
    care_groups = models.ManyToManyField(CareGroup, blank=True, related_name="decisions")
    organisations_named = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="decisions_naming",
        help_text="Organisations the decision concerns (e.g. providers): members with an interest there are "
        "excluded from it.",
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="decisions")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposed_decisions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="%(app_label)s_%(class)s_reference_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("kind", DecisionKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("state", DecisionState), name="%(app_label)s_%(class)s_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class RejectedOption(models.Model):
    """An alternative considered and rejected, with why."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="rejected_options")
    position = models.PositiveSmallIntegerField(default=0)
    option = models.CharField(max_length=255)
    reason = models.TextField()

    class Meta:
        ordering = ["decision", "position"]

    def __str__(self) -> str:
        return self.option


class ResourceImplication(models.Model):
    """What a decision commits: an amount for one partner in one financial year (April to March)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="resources")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="committed_resources"
    )
    financial_year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts: 2014 is 2014/15."
    )
    amount = MoneyField()
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["decision", "financial_year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "organisation", "financial_year"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.financial_year_label}: £{self.amount:,.2f}"

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


class DelegationRule(models.Model):
    """One line of an organisation's scheme of delegation: who may approve what, up to how much."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="delegation_rules")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="delegation_rules")
    decision_kind = models.CharField(
        max_length=20, choices=Decision.Kind.choices, blank=True, help_text="Blank: any kind of decision."
    )
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.CASCADE, related_name="delegations"
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, blank=True)
    post = models.CharField(
        max_length=200, blank=True, help_text="A named post, e.g. Director of Adult Services."
    )
    limit = MoneyField(
        null=True, blank=True, help_text="The most it may commit for this partner; blank: no limit."
    )

    class Meta:
        ordering = ["organisation__name", "limit"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(board__isnull=False) & Q(role="") & Q(post=""))
                    | (Q(board__isnull=True) & ~Q(role="") & Q(post=""))
                    | (Q(board__isnull=True) & Q(role="") & ~Q(post=""))
                ),
                name="%(app_label)s_%(class)s_one_approver",
            ),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | Q(limit__gte=0),
                name="%(app_label)s_%(class)s_limit_not_negative",
            ),
        ]

    def __str__(self) -> str:
        who = self.board.name if self.board else (self.post or self.get_role_display())
        limit = "no limit" if self.limit is None else f"up to £{self.limit:,.2f}"
        return f"{self.organisation}: {who}, {limit}"


class Approval(models.Model):
    """A decision approved for one partner, under one rule of that partner's scheme of delegation."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="approvals")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="approvals")
    rule = models.ForeignKey(DelegationRule, on_delete=models.PROTECT, related_name="approvals")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="approvals"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "organisation"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.decision.reference} approved for {self.organisation}"


class VoteChoice(models.TextChoices):
    FOR = "for", "For"
    AGAINST = "against", "Against"
    ABSTAIN = "abstain", "Abstain"


class Vote(models.Model):
    Choice = VoteChoice

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(BoardMember, on_delete=models.PROTECT, related_name="votes_cast")
    choice = models.CharField(max_length=10, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "member"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=in_choices("choice", VoteChoice), name="%(app_label)s_%(class)s_choice_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.choice} {self.decision.reference}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=255)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    paper_url = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class InterestKind(models.TextChoices):
    FINANCIAL = "financial", "Financial"
    NON_FINANCIAL_PROFESSIONAL = "professional", "Non-financial professional"
    NON_FINANCIAL_PERSONAL = "personal", "Non-financial personal"
    INDIRECT = "indirect", "Indirect"


class Interest(models.Model):
    """A declared interest: a person's tie to an organisation, live between two dates."""

    Kind = InterestKind

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="interests")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interests")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    interest = models.TextField()
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="declared_interests"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person__username", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", InterestKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.interest[:60]}"


class AgreementKind(models.TextChoices):
    S75_POOLED_FUND = "s75_pooled", "Section 75 agreement: pooled fund"
    S75_LEAD_COMMISSIONING = "s75_lead", "Section 75 agreement: lead commissioning"
    S113 = "s113", "Section 113 staff-sharing agreement"
    MOU = "mou", "Memorandum of understanding"
    OTHER = "other", "Other agreement"


class Agreement(models.Model):
    """A legal instrument the partnership runs on: a Section 75 or 113 agreement, a memorandum."""

    Kind = AgreementKind

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    title = models.CharField(max_length=255)
    purpose = models.TextField()
    parties = models.ManyToManyField(Organisation, related_name="agreements")
    starts_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    decisions = models.ManyToManyField(Decision, blank=True, related_name="agreements")

    class Meta:
        ordering = ["partnership", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", AgreementKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(review_on__isnull=True) | Q(review_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_review_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Team(models.Model):
    """A joint team (e.g. an integrated commissioning unit) and the agreement that governs it."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )
    budget = MoneyField(null=True, blank=True)

    class Meta:
        ordering = ["partnership", "name"]

    def __str__(self) -> str:
        return self.name
