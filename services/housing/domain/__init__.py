"""Housing's pure rules: no I/O, no await; time and ids are passed in."""
