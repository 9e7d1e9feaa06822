-- Reports (issue 6): the tables of 0005 were never used; they are replaced by the shape the
-- life cycle of src/domain/report_lifecycle.h needs (rpt_state), the text by template section
-- (JSON object), the masking/sharing flags, the review list and the history of every event.
-- Documents: one row per kind (PDF, CDA-N1, CDA-N3) and version of a report, hence
-- UNIQUE (set_id, version, kind) instead of UNIQUE (set_id, version). Contents are text on both
-- backends: the CDA XML as is, the PDF in base64 (content_encoding). The share state of a
-- channel is the state of its outbox job (report_share links them).

DROP TABLE IF EXISTS document_share;
DROP TABLE IF EXISTS document;
DROP TABLE IF EXISTS report_version;
DROP TABLE IF EXISTS report;

CREATE TABLE report (
    id @ID@,
    procedure_id BIGINT NOT NULL UNIQUE REFERENCES requested_procedure (id),
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    template_id BIGINT,                        -- report template row (no FK: templates may be deleted)
    template TEXT NOT NULL,                    -- JSON of the template as used (report/report.h form)
    status TEXT NOT NULL CHECK (status IN ('brouillon', 'provisoire', 'valide', 'corrige', 'retire')),
    status_since BIGINT NOT NULL,              -- unix seconds of the last status change
    flags INTEGER NOT NULL DEFAULT 0 CHECK (flags >= 0 AND flags <= 63),   -- RPT_FLAG_* bits
    author_login TEXT NOT NULL,
    author_user_id BIGINT REFERENCES app_user (id),
    reviewers TEXT NOT NULL DEFAULT '',        -- review list: logins separated by spaces
    set_id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL DEFAULT 0,
    document_id TEXT,                          -- current validated document id (extension)
    replaces_id TEXT,
    validator_login TEXT,
    validator_user_id BIGINT REFERENCES app_user (id),
    validator_rpps TEXT,
    validated_at TEXT,                         -- ISO 8601 with offset
    announcement_recorded INTEGER NOT NULL DEFAULT 0 CHECK (announcement_recorded IN (0, 1)),
    shared_to_dmp INTEGER NOT NULL DEFAULT 0 CHECK (shared_to_dmp IN (0, 1)),
    revision BIGINT NOT NULL DEFAULT 0,        -- optimistic lock: bumped by every update
    sections TEXT NOT NULL,                    -- JSON object: template section key -> text
    addendum TEXT,
    exposure TEXT,                             -- JSON object or NULL
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_report_patient ON report (patient_id);
CREATE INDEX ix_report_status ON report (status, status_since);

-- History of a report: every command applied (who, when, resulting status).
CREATE TABLE report_event (
    id @ID@,
    report_id BIGINT NOT NULL REFERENCES report (id),
    at TEXT NOT NULL,                          -- ISO 8601 UTC
    actor TEXT NOT NULL,                       -- login
    event TEXT NOT NULL,                       -- rpt_event name, or "create"
    status TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    detail TEXT                                -- French (e.g. the reason of a withdrawal)
);
CREATE INDEX ix_report_event_report ON report_event (report_id, id);

CREATE TABLE document (
    id @ID@,
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    report_id BIGINT NOT NULL REFERENCES report (id),
    kind TEXT NOT NULL CHECK (kind IN ('PDF', 'CDA-N1', 'CDA-N3')),
    unique_id TEXT NOT NULL,                   -- document id (the N1 and N3 of a version share it)
    set_id TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    mime_type TEXT NOT NULL,
    file_name TEXT,
    content_encoding TEXT NOT NULL CHECK (content_encoding IN ('utf-8', 'base64')),
    content TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,                -- size of the decoded content
    content_sha256 TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (set_id, version, kind)
);
CREATE INDEX ix_document_patient ON document (patient_id);
CREATE INDEX ix_document_report ON document (report_id, version);

-- The sharing jobs queued for a report version (their state is the outbox job's).
CREATE TABLE report_share (
    id @ID@,
    report_id BIGINT NOT NULL REFERENCES report (id),
    version INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('dmp', 'mssante', 'hl7')),
    action TEXT NOT NULL,
    outbox_job_id BIGINT NOT NULL REFERENCES outbox_job (id),
    created_at TEXT NOT NULL
);
CREATE INDEX ix_report_share_report ON report_share (report_id, id);
