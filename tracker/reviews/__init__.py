"""Domestic Homicide Reviews: reviews, their panels, recommendations and action plans, kept confidential."""
