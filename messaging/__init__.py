"""Messaging: the SMS outbox, the Twilio gateway, delivery status, inbound replies.

Public API for higher layers (import from the modules named):
- messaging.phone.parse_phone(raw) -> PhoneNumber(e164, national, is_mobile)
- messaging.services.queue_sms(*, to, purpose, language, values, subject_type, subject_id,
  dedup_key, organisation_id=None, expires_at=None) -> OutboxMessage  (no commit)
- messaging.services.withdraw(subject_type, subject_id, *, purposes=None, reason=...) -> int: still-queued
  SMS about that record become `withdrawn` (never sent; the reason shows in the outbox). No commit.
- messaging.services.register_inbound_handler(fn(from_e164, body) -> str | None)
- messaging.services.messages_for(subject_type, subject_id) -> list[OutboxMessage]
- messaging.sms_texts.TEXTS (add your texts) and LONGEST_VALUES (add your fields)
- messaging.jobs.dispatch (the scheduler's job)
"""
