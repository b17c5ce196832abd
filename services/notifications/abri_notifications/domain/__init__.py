"""Pure rules of the notifications service: no I/O here (time and randomness are parameters).

``routing`` says who is told of each event and with which template; ``templates`` holds the message
catalogue and renders it in the reader's language; ``minimisation`` says which values a reader may see
on a channel; ``delivery`` holds retries, idempotency keys and quiet hours; ``digest`` the owners'
daily summary.
"""
