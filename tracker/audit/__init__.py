"""The audit log: who changed what, and who looked at what is confidential."""
