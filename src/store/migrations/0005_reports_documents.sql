-- Reports (versioned, life cycle, validation), documents (CDA/PDF) and their sharing per channel.

CREATE TABLE report (
    id @ID@,
    procedure_id BIGINT NOT NULL REFERENCES requested_procedure (id),
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'pending_validation', 'validated', 'amended', 'withdrawn')),
    status_changed_at TEXT,
    current_version INTEGER NOT NULL DEFAULT 0,
    author_user_id BIGINT REFERENCES app_user (id),
    validator_user_id BIGINT REFERENCES app_user (id),
    validator_rpps TEXT,
    validated_at TEXT,
    announcement_pending INTEGER NOT NULL DEFAULT 0 CHECK (announcement_pending IN (0, 1)),
    masked_to_patient INTEGER NOT NULL DEFAULT 0 CHECK (masked_to_patient IN (0, 1)),
    masked_to_professionals INTEGER NOT NULL DEFAULT 0 CHECK (masked_to_professionals IN (0, 1)),
    invisible_to_legal_guardians INTEGER NOT NULL DEFAULT 0 CHECK (invisible_to_legal_guardians IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_report_procedure ON report (procedure_id);
CREATE INDEX ix_report_status ON report (status);

CREATE TABLE report_version (
    id @ID@,
    report_id BIGINT NOT NULL REFERENCES report (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    author_user_id BIGINT REFERENCES app_user (id),
    created_at TEXT NOT NULL,
    UNIQUE (report_id, version)
);

CREATE TABLE document (
    id @ID@,
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    report_id BIGINT REFERENCES report (id),
    kind TEXT NOT NULL CHECK (kind IN ('CDA-N1', 'CDA-N3', 'PDF')),
    unique_id TEXT NOT NULL UNIQUE,           -- document OID
    set_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    mime_type TEXT NOT NULL,
    content @BLOB@ NOT NULL,
    content_sha256 TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (set_id, version)
);
CREATE INDEX ix_document_patient ON document (patient_id);
CREATE INDEX ix_document_report ON document (report_id);

CREATE TABLE document_share (
    id @ID@,
    document_id BIGINT NOT NULL REFERENCES document (id),
    channel TEXT NOT NULL CHECK (channel IN ('dmp', 'mssante', 'pacs', 'drimbox', 'hl7')),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'acknowledged', 'failed', 'withdrawn', 'not_applicable')),
    status_changed_at TEXT,
    last_error TEXT,
    outbox_job_id BIGINT,
    UNIQUE (document_id, channel)
);
