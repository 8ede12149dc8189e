"""Fieldwork rules (pure): call rules and windows, outcomes and AAPOR dispositions, answer checks."""
