"""Kartoteka: a self-hosted CRM — the card index of a business's clients."""

__version__ = "0.1.0"
