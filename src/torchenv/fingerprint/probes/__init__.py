"""Probes: small functions that read files and run commands and return facts.

Each probe module keeps pure parse functions (tested on strings) apart from the thin
functions doing I/O, takes its root directory and PATH as parameters, and imports
nothing of torchenv except the fingerprint model.
"""

__all__: list[str] = []
