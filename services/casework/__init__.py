"""Casework: legal and administrative case files, opened from the referrals partners receive."""
