"""Pure rules and state machines of the listings service: no I/O here."""
