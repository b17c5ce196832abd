"""Pure rules and state machines of the notifications service: no I/O here."""
