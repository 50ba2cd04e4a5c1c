"""Domain errors raised by services and mapped to HTTP answers by the UI and the API."""


class VersionConflict(Exception):
    """The record changed since the caller read it; carries the current version."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"The record was changed by someone else (current version {current_version}).")
        self.current_version = current_version


class NotAllowed(Exception):
    """The actor may see the record but may not do this to it."""
