"""Mail sent from Klient: every message is an outbox row written in the caller's transaction and
delivered by a job after commit, once.

CONTRACT (other apps call these; keep the signatures):

- `mail_to_contact(*, actor, contact, subject, body, purpose="", key="", attachments=(), html="",
  log_activity=True) -> OutboxMessage`: queue one message to a contact's email address. `key` is an
  idempotency key: a second call with a key already used returns the first message and queues
  nothing. When `log_activity` is true, an Activity(kind="email", direction="out", purpose=purpose,
  owner=actor, company=contact.company, contact=contact, done_at=now) is written in the same
  transaction. `attachments` are (filename, content bytes, mimetype). Raises ValidationError naming
  the field when the contact has no address or has unsubscribed (for purpose "proposal").
- `mail_to_user(*, user, subject, body, key="", attachments=(), html="") -> OutboxMessage`: queue one
  message to a Klient user (e.g. a report to a manager); no activity is logged.
- `template_render(*, code, language, context) -> tuple[str, str]`: subject and body of the mail
  template `code` in `language` (falling back to English), with `{{ variables }}` from `context`.
- `mail_template_send(*, actor, contact, code, context=None, purpose="", key="", attachments=())
  -> OutboxMessage`: render template `code` in the contact's language (contact.language, else the
  company's document_language, else the actor's language) and queue it with `mail_to_contact`.
"""
