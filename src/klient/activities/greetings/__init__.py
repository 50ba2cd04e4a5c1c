"""Greetings and events."""
