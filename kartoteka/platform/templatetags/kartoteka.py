"""Template helpers for the generic pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def first_of(values):
    return values[0] if values else ""


@register.simple_tag
def filter_value(filters, key, op=""):
    values = (filters or {}).get(f"{key}.{op}" if op else key) or []
    return values[0] if values else ""


@register.simple_tag
def filter_values(filters, key):
    return (filters or {}).get(key) or []
