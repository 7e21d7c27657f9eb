"""Replay for auditors, on the command line: every source's topic read from the start,
partition-parallel over worker processes, every chain and checkpoint verified, the figures
summed up in a table or in a signed report."""
