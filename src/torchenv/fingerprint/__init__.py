"""The machine fingerprint: what this (or another) machine is, and how we know."""
