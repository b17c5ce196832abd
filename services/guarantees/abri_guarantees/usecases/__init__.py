"""The guarantees service's use cases: one function per command and query, called by the HTTP routes
(``api/``), the event handlers (``events/``) and the retention sweeper alike, so a rule holds whichever
way the action comes in. Each takes a :class:`~abri_kit.usecase.Context` and plain values, and reaches the
tables only through the repositories of ``db/repositories/`` (scoped to the caller)."""
