"""Pure rules and state machines of the matching service: no I/O here."""
