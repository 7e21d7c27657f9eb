"""Housing: the emergency reception centre's sites, rooms and beds."""
