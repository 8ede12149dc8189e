"""Synthetic populations and fieldwork (pure): for testing designs, demos and load tests."""
