-- Identity API (src/http/h_identity.c, src/store/identity_store.c): provenance of the INS
-- (RNIV: an identity is "récupérée" only from an INSi return, "validée" only on a high-trust
-- identity document), the identity-vigilance history written by the src/ins rules, the
-- identity documents checked, and the trace of every INSi call (RIS.INS.04/40/41).

ALTER TABLE identity ADD COLUMN ins_from_insi INTEGER NOT NULL DEFAULT 0 CHECK (ins_from_insi IN (0, 1));
ALTER TABLE identity ADD COLUMN ins_verified INTEGER NOT NULL DEFAULT 0 CHECK (ins_verified IN (0, 1));
ALTER TABLE identity ADD COLUMN ins_proof_type TEXT;   -- code of [ins] proof_types, e.g. PASSEPORT

-- One row per ins_history_entry produced by the rules (status, traits, INS, attributes, proof).
CREATE TABLE identity_event (
    id @ID@,
    identity_id BIGINT NOT NULL REFERENCES identity (id),
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    at TEXT NOT NULL,                         -- ISO 8601 UTC
    actor TEXT NOT NULL,                      -- user login, "insi", "hl7:<sender>"
    user_id BIGINT REFERENCES app_user (id),
    kind TEXT NOT NULL CHECK (kind IN ('created', 'status', 'trait', 'ins', 'attribute', 'proof')),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason TEXT                               -- French
);
CREATE INDEX ix_identity_event_identity ON identity_event (identity_id, id);

-- Identity documents checked (RNIV rule 19, RIS.INS.18).
CREATE TABLE identity_proof (
    id @ID@,
    identity_id BIGINT NOT NULL REFERENCES identity (id),
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    proof_type TEXT NOT NULL,
    high_trust INTEGER NOT NULL CHECK (high_trust IN (0, 1)),
    checked_at TEXT NOT NULL,
    user_id BIGINT REFERENCES app_user (id),
    actor TEXT NOT NULL
);
CREATE INDEX ix_identity_proof_identity ON identity_proof (identity_id, id);

-- Every INSi call: who, when, what (query summary), result; never a certificate or key.
-- `returned` holds the identity of a CR 00 answer (JSON) so that it can be accepted later
-- without trusting the client; accepted_at is set when it was brought into the identity.
CREATE TABLE insi_trace (
    id @ID@,
    identity_id BIGINT REFERENCES identity (id),
    patient_id BIGINT REFERENCES patient (id),
    user_id BIGINT REFERENCES app_user (id),
    who TEXT NOT NULL,
    at TEXT NOT NULL,                         -- ISO 8601 UTC, start of the call
    duration_ms BIGINT NOT NULL,
    operation TEXT NOT NULL,
    message_id TEXT,
    query TEXT,
    http_status INTEGER,
    outcome TEXT NOT NULL,                    -- 00 01 02 FAULT TRANSPORT PROTOCOL REFUSED
    result TEXT,
    returned TEXT,
    accepted_at TEXT
);
CREATE INDEX ix_insi_trace_identity ON insi_trace (identity_id, id);
