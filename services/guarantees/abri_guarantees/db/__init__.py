"""Tables and repositories of the guarantees service."""
