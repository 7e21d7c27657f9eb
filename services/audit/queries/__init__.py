"""What auditors and the health routes read from audit's store."""
