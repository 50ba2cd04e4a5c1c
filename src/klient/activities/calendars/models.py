"""Tables of the calendars app."""
