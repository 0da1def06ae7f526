"""Users, teams, roles with scoped permissions, API tokens, password resets, access requests."""
