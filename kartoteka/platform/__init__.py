"""The platform every domain app stands on: the entity registry, field specs and their single
validator, permissions, generic services, listing (filters, sorting, keyset pages), search,
events, and the generic views and API that read the registry."""
