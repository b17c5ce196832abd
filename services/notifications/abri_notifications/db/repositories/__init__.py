"""The notifications service's repositories: tables reached for a caller, scoped to it."""
