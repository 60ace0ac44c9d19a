"""Partnerships, their agencies, and the people who hold roles in them."""
