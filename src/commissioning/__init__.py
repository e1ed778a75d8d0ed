"""The open joint commissioning platform for health and social care."""
