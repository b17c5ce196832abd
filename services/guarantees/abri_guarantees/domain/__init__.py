"""Pure rules and state machines of the guarantees service: no I/O here."""
