from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import ApiToken, AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Profile", {"fields": ("full_name", "job_title")}))
    list_display = ("username", "full_name", "email", "is_active", "is_staff")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events can be looked at, never added, changed or deleted."""

    list_display = ("occurred_at", "actor", "action", "object_type", "object_repr", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "summary", "actor__username")
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin whose saves and deletes write audit events, like every service does."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The "before" rides on this request's form: one admin instance serves every thread.
        form.audit_before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj, before = form.instance, form.audit_before
        auditor = Auditor(request.user)  # type: ignore[arg-type]
        if before is None:
            auditor.created(obj, summary="Created in admin")
        else:
            auditor.updated(obj, before, summary="Changed in admin")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        auditor = Auditor(request.user)  # type: ignore[arg-type]
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            auditor.deleted(deleted, snapshot(deleted), summary="Deleted in admin")
            deleted.delete()
        for instance in instances:
            before = snapshot(type(instance).objects.get(pk=instance.pk)) if instance.pk else None
            instance.save()
            if before is None:
                auditor.created(instance, summary="Created in admin")
            else:
                auditor.updated(instance, before, summary="Changed in admin")
        formset.save_m2m()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        Auditor(request.user).deleted(obj, snapshot(obj), summary="Deleted in admin")  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        auditor = Auditor(request.user)  # type: ignore[arg-type]
        for obj in queryset:
            auditor.deleted(obj, snapshot(obj), summary="Deleted in admin")
        super().delete_queryset(request, queryset)
