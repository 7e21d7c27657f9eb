"""The console's pure rules: sessions' lifetimes, languages, what a day shows first."""
