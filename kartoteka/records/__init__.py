"""Records of custom entities and links between any two records."""
