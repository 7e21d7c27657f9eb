"""Event envelope, contracts per producer, and the one explicit type registry."""
