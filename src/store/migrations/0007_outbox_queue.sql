-- Outbox queue timing in milliseconds for the delivery workers (src/outbox): when a job is due,
-- and until when a claiming worker holds it (a crashed worker's jobs become due again).
-- next_attempt_at (text, seconds) stays for display.
ALTER TABLE outbox_job ADD COLUMN due_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox_job ADD COLUMN lease_until_ms BIGINT;
CREATE INDEX ix_outbox_job_due_ms ON outbox_job (state, due_ms);
