"""Clearance: clears film and series marketing for child-safety and brand risk."""

__version__ = "0.1.0"
