"""Recouvre: accounts-receivable collections platform."""

__version__ = "0.1.0"
