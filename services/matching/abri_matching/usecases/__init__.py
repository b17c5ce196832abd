"""The matching service's use cases: one function per command and query, called by the HTTP routes
(``api/``), the event handlers (``events/``) and the sweeper (``expiry.py``) alike, so a rule holds
whichever way the action comes in."""
