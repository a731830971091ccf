"""Command-line interface. Only this package prints; library code returns values."""
