"""Tables of the mail app."""
