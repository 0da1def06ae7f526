"""`kartoteka demo` and other commands of the contacts app."""
