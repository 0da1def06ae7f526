"""Base templates, navigation, shared components, the home page and static sources."""
