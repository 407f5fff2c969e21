"""Realistic French demo data."""
