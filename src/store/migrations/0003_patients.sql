-- Patients (local IPP) and their identity under the RNIV (référentiel national d'identitovigilance).

CREATE TABLE patient (
    id @ID@,
    ipp TEXT NOT NULL UNIQUE,
    ipp_key TEXT @BIN@,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    merged_into BIGINT REFERENCES patient (id),
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_patient_ipp_key ON patient (ipp_key);

-- The current identity of a patient (one per patient); previous versions go to identity_history.
CREATE TABLE identity (
    id @ID@,
    patient_id BIGINT NOT NULL UNIQUE REFERENCES patient (id),
    birth_name TEXT NOT NULL,
    birth_name_key TEXT @BIN@,
    used_name TEXT,
    used_name_key TEXT @BIN@,
    first_given_name TEXT NOT NULL,           -- premier prénom de naissance
    first_given_name_key TEXT @BIN@,
    given_names TEXT,                         -- liste des prénoms de naissance
    used_given_name TEXT,                     -- prénom utilisé
    used_given_name_key TEXT @BIN@,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('M', 'F', 'I')),
    birth_cog TEXT,                           -- code officiel géographique INSEE du lieu de naissance
    birth_country TEXT,                       -- code pays INSEE (99XXX) when born abroad
    ins_matricule TEXT UNIQUE,                -- NIR or NIA, 15 characters with key
    ins_oid TEXT CHECK (ins_oid IN ('1.2.250.1.213.1.4.8', '1.2.250.1.213.1.4.9',
                                    '1.2.250.1.213.1.4.10', '1.2.250.1.213.1.4.11')),
    rniv_status TEXT NOT NULL DEFAULT 'provisoire'
        CHECK (rniv_status IN ('provisoire', 'recuperee', 'validee', 'qualifiee')),
    douteuse INTEGER NOT NULL DEFAULT 0 CHECK (douteuse IN (0, 1)),
    fictive INTEGER NOT NULL DEFAULT 0 CHECK (fictive IN (0, 1)),
    homonyme INTEGER NOT NULL DEFAULT 0 CHECK (homonyme IN (0, 1)),
    id_document_type TEXT CHECK (id_document_type IN ('passeport', 'carte_identite', 'titre_sejour',
                                                      'acte_naissance', 'livret_famille', 'autre')),
    id_document_checked_at TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_identity_birth_name_key ON identity (birth_name_key);
CREATE INDEX ix_identity_used_name_key ON identity (used_name_key);
CREATE INDEX ix_identity_first_given_name_key ON identity (first_given_name_key);
CREATE INDEX ix_identity_used_given_name_key ON identity (used_given_name_key);
CREATE INDEX ix_identity_birth_date ON identity (birth_date);

CREATE TABLE identity_history (
    id @ID@,
    identity_id BIGINT NOT NULL REFERENCES identity (id),
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    changed_at TEXT NOT NULL,
    snapshot TEXT NOT NULL                    -- JSON of the identity row before the change
);
CREATE INDEX ix_identity_history_identity ON identity_history (identity_id, id);
