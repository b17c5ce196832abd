"""The notifications service's use cases: one function per command and query, called by the HTTP routes
(``api/``), the event handler (``events/``) and the sweepers (``sender.py``, ``digests.py``) alike."""
