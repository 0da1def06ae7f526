"""Registers Lead, Deal and Product with the entity registry."""
