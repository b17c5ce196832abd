"""Pure rules of the notifications service: no I/O here (time and randomness are parameters), but for
the translation catalogues, package data read once when ``templates`` loads.

``routing`` says who is told of each event and with which template; ``texts`` holds the messages'
texts in English and ``templates`` renders them in the reader's language, translated with the gettext
catalogues of ``../locale`` (``messages`` checks those catalogues, for translators and the tests);
``minimisation`` says which values a reader may see on a channel; ``delivery`` holds retries,
idempotency keys and quiet hours; ``digest`` the owners' daily summary.
"""
