"""Pure audit logic: chains, timelines and states as of a date, without I/O."""
