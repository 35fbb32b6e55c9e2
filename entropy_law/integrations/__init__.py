"""Integrations with training frameworks (optional extras, never imported by ``import entropy_law``)."""
