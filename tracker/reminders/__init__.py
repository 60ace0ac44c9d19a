"""Reminders and escalations: decided once, queued with the decision, delivered from the outbox."""
