"""Django admin for platform administrators. Changes here bypass services, so the admin is
read-mostly for audited objects; day-to-day changes go through the pages and the API."""

from django.contrib import admin

from commissioning.core.admin import AuditedModelAdmin
from commissioning.partners.models import (
    Area,
    CareGroup,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
)


class PartnershipMemberInline(admin.TabularInline):
    model = PartnershipMember
    extra = 0
    autocomplete_fields = ("organisation",)


@admin.register(Partnership)
class PartnershipAdmin(AuditedModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    inlines = [PartnershipMemberInline]
    filter_horizontal = ("areas",)


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "ods_code", "gss_code", "companies_house_number", "charity_number")
    list_filter = ("kind",)
    search_fields = ("name", "ods_code", "gss_code", "companies_house_number", "charity_number")


@admin.register(Area)
class AreaAdmin(AuditedModelAdmin):
    list_display = ("gss_code", "name", "area_type", "parent", "valid_from", "valid_to")
    list_filter = ("area_type",)
    search_fields = ("gss_code", "name")
    raw_id_fields = ("parent",)
    filter_horizontal = ("comparators",)


@admin.register(CareGroup)
class CareGroupAdmin(AuditedModelAdmin):
    list_display = ("name", "partnership", "position", "is_active")
    list_filter = ("partnership",)


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ("user", "partnership", "organisation", "role")
    list_filter = ("partnership", "role")
    search_fields = ("user__username",)
