-- HL7 integration (src/hl7feed): identity-vigilance review list fed by the identity feed,
-- DMP consent (PAM-FR ZFA) and visits (PV1) received with the identities.

CREATE TABLE identity_review (
    id @ID@,
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    inbox_id BIGINT REFERENCES inbox_message (id),
    reason TEXT NOT NULL,                     -- French, shown on the identity-vigilance worklist
    incoming TEXT,                            -- JSON of the traits received and not applied
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX ix_identity_review_state ON identity_review (state, id);
CREATE INDEX ix_identity_review_patient ON identity_review (patient_id);

CREATE TABLE patient_dmp (
    patient_id BIGINT PRIMARY KEY REFERENCES patient (id),
    dmp_status TEXT,                          -- ZFA-1 (OUVERT, FERME, ...)
    dmp_status_at TEXT,                       -- ZFA-2
    access_authorised TEXT,                   -- ZFA-3 (Y/N): DMP access authorisation
    access_at TEXT,                           -- ZFA-4
    opposition_bris_de_glace TEXT,            -- ZFA-5
    opposition_centre15 TEXT,                 -- ZFA-6
    updated_at TEXT NOT NULL
);

CREATE TABLE patient_visit (
    id @ID@,
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    visit_number TEXT NOT NULL,               -- PV1-19.1
    patient_class TEXT,                       -- PV1-2
    location TEXT,                            -- PV1-3
    admitted_at TEXT,                         -- PV1-44
    discharged_at TEXT,                       -- PV1-45
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'discharged', 'cancelled')),
    updated_at TEXT NOT NULL,
    UNIQUE (visit_number)
);
CREATE INDEX ix_patient_visit_patient ON patient_visit (patient_id);
