"""Accounts: signing in and out, passwords, and the administrator's list of people."""
