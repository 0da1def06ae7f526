"""Named writes for companies and contacts; they delegate to the platform's generic services
so that validation, the timeline, the search index and events stay in one place."""

from kartoteka.platform import services
from kartoteka.platform.registry import registry


def create_company(user, data: dict):
    return services.create_record(registry.get("company"), user, data)


def create_contact(user, data: dict):
    return services.create_record(registry.get("contact"), user, data)


def update_contact(user, contact, data: dict, *, version: int | None = None):
    return services.update_record(registry.get("contact"), user, contact, data, version=version)


def merge_contacts(user, keep, other, choices: dict | None = None):
    return services.merge_records(registry.get("contact"), user, keep, other, choices)


def merge_companies(user, keep, other, choices: dict | None = None):
    return services.merge_records(registry.get("company"), user, keep, other, choices)
