"""Probes: small functions that read files and run commands and return facts.

Each probe module keeps pure parse functions (tested on strings) apart from the thin
functions doing I/O, takes its root directory and PATH as parameters, and imports
nothing of torchenv except the fingerprint model and its record base.

Their internal records are :class:`torchenv._record.Record` classes rather than frozen
dataclasses: equally immutable and typed, but far cheaper to define at import, which
matters because ``torchenv detect`` must start nearly as fast as Python itself.
"""

__all__: list[str] = []
