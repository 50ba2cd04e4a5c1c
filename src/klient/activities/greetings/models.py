"""Tables of the greetings app."""
