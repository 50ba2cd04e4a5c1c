"""Jobs of the service desk: thin wrappers around services, idempotent."""

from __future__ import annotations
