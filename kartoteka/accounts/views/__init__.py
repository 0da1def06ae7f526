"""The accounts pages: signing in and out, password reset, asking for access, the profile and
API tokens, and the administrators' pages for users, teams, roles and access requests."""
