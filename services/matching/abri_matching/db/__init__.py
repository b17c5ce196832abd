"""Tables and repositories of the matching service."""
