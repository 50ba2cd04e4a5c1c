"""Tables of the calllists app."""
