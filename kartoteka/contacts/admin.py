"""Django admin fallback for superusers; people use the product's own pages."""

from django.contrib import admin

from .models import Company, Contact


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "created_at")
    search_fields = ("name",)
    raw_id_fields = ("owner", "created_by")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "company", "owner")
    search_fields = ("last_name", "first_name")
    raw_id_fields = ("owner", "created_by", "company")
