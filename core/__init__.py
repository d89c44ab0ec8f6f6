"""Pinscope core: loading, modelling and analysing certificates, keys and keystores."""

__version__ = "0.1.0"
