"""Competitors: the catalogue of companies we compete with, and who supplies each customer with what."""
