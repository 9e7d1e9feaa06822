-- Durable outbound jobs, persisted inbound messages, audit trail.

CREATE TABLE outbox_job (
    id @ID@,
    kind TEXT NOT NULL,                       -- dmp_submit, mss_send, hl7_oru, drimbox_publish, ...
    payload TEXT NOT NULL,                    -- JSON
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    dedup_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_outbox_job_due ON outbox_job (state, next_attempt_at);

CREATE TABLE inbox_message (
    id @ID@,
    source TEXT NOT NULL,                     -- hl7:<peer>, dicom:<AE>, ...
    control_id TEXT,                          -- MSH-10 and the like
    raw TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'processed', 'failed', 'rejected')),
    outcome TEXT,
    received_at TEXT NOT NULL,
    processed_at TEXT
);
CREATE INDEX ix_inbox_message_control ON inbox_message (source, control_id);
CREATE INDEX ix_inbox_message_state ON inbox_message (state, id);

CREATE TABLE audit_event (
    id @ID@,
    at TEXT NOT NULL,
    user_id BIGINT,                           -- NULL = system / anonymous (no FK: the trail outlives accounts)
    action TEXT NOT NULL,
    object_type TEXT,
    object_id TEXT,
    patient_id BIGINT,
    client_addr TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'error')),
    detail TEXT
);
CREATE INDEX ix_audit_event_at ON audit_event (at);
CREATE INDEX ix_audit_event_user ON audit_event (user_id, at);
CREATE INDEX ix_audit_event_patient ON audit_event (patient_id, at);
