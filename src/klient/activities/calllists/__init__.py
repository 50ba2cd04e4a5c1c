"""Call lists."""
