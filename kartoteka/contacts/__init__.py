"""Companies and contacts: the built-in heart of the card index."""
