"""`kartoteka token`: API tokens from the command line."""
