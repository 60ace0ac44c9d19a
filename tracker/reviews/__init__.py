"""Domestic Homicide Reviews: reviews, their panels, recommendations and action plans, kept confidential."""
from tracker.reviews import requests_views  # noqa: F401  (its pages join the reviews blueprint before it is registered)
