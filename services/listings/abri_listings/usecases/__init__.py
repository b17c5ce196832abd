"""The listings service's use cases: one function per command and query, called by the HTTP routes
(``api/``) and the event handlers (``events/``) alike, so a rule holds whichever way the action comes in."""
