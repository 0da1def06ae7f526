"""Management commands of the contacts app."""
