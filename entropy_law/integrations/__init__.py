"""Integrations with training frameworks (optional extras; nothing here is imported by ``import entropy_law``)."""
