"""The console's use cases: signing in and out, choosing a language."""
