"""The customer portal at /portal/: contacts sign in by a one-time email link and see only
their own requests (and their company's, where allowed)."""
