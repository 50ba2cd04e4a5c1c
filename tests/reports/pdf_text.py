"""The text of a PDF, as poppler's pdftotext reads it (Debian's poppler-utils, installed by
scripts/install-system-packages): an independent reader, so a test sees what a person's PDF viewer shows."""

from __future__ import annotations

import subprocess


def pdf_text(pdf: bytes) -> str:
    """The PDF's text in reading order (UTF-8)."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode("utf-8")
