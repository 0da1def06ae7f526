"""Hooks into the platform: card panels, navigation, subscribers."""
