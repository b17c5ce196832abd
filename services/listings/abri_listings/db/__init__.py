"""Tables and repositories of the listings service."""
