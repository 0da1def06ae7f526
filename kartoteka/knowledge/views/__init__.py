"""Pages of the knowledge base: articles (`articles`), canned responses (`canned`) and
categories (`categories`)."""
