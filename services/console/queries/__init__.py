"""The console's read side: its sessions, and what the services answer for a page."""
