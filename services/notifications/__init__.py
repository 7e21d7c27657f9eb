"""Notifications: contacts, reminder plans and SMS to beneficiaries, in their language."""
