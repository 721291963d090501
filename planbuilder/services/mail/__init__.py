"""Mail to people about what happened to their plans.

messages.py composes each event's mails in the recipient's language, leaving out whoever turned that kind off
(preferences.py, the account page); outbox.py records them in the event's own transaction and delivers them
after the commit, out of the request, retrying failures; transport.py is the one place that talks SMTP
(MAIL_URL) or writes .eml files to the outbox folder (the embedded default).
"""
