"""Abri matching service.

Households supported by associations, lawful and explainable ranking, and the placement journey.
"""
