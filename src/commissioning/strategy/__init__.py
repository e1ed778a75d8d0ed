"""Strategy and the golden thread."""
