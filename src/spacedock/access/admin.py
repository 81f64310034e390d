"""API keys in the admin (`/admin/`): made there, the key is shown
once, in the page's message; only its hash is stored. Revoking is an action, and the revoked time a field."""
from django.contrib import admin, messages
from django.utils import timezone

from .models import ApiKey, new_key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "prefix", "rate", "created", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    fields = ("name", "rate", "prefix", "created", "revoked_at")
    readonly_fields = ("prefix", "created")
    actions = ("revoke",)

    def save_model(self, request, obj, form, change):
        key = None
        if not change:
            key = new_key()
            obj.set_key(key)
        super().save_model(request, obj, form, change)
        if key is not None:
            self.message_user(request, f"The key of “{obj.name}”, shown only now: {key}", messages.WARNING)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        done = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{done} key(s) revoked.", messages.SUCCESS)
