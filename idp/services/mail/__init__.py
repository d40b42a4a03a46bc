"""Mail: the outbox (queued in the caller's transaction, delivered with retries) and the
transports that carry it (SMTP or .eml files). The sender thread is app wiring:
idp/mail_sender.py."""
