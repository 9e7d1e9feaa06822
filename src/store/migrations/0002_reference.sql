-- Reference data: sites, rooms, modalities, exam catalogue, correspondents.

CREATE TABLE site (
    id @ID@,
    finess TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT @BIN@,
    address TEXT,
    postal_code TEXT,
    city TEXT,
    phone TEXT,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_site_name_key ON site (name_key);

CREATE TABLE room (
    id @ID@,
    site_id BIGINT NOT NULL REFERENCES site (id),
    name TEXT NOT NULL,
    name_key TEXT @BIN@,
    kind TEXT NOT NULL CHECK (kind IN ('scanner', 'irm', 'radiologie', 'echographie', 'mammographie',
                                       'osteodensitometrie', 'medecine_nucleaire', 'autre')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT,
    UNIQUE (site_id, name)
);
CREATE INDEX ix_room_name_key ON room (name_key);

CREATE TABLE modality (
    id @ID@,
    room_id BIGINT REFERENCES room (id),
    ae_title TEXT NOT NULL UNIQUE,
    modality_type TEXT NOT NULL CHECK (modality_type IN ('CT', 'MR', 'US', 'CR', 'DX', 'MG', 'NM', 'PT', 'XA', 'RF', 'BMD')),
    station_name TEXT,
    manufacturer TEXT,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_modality_room ON modality (room_id);

CREATE TABLE exam_catalogue (
    id @ID@,
    ccam_code TEXT NOT NULL UNIQUE,
    ccam_code_key TEXT @BIN@,
    label TEXT NOT NULL,
    label_key TEXT @BIN@,
    loinc_code TEXT,
    modality_type TEXT NOT NULL CHECK (modality_type IN ('CT', 'MR', 'US', 'CR', 'DX', 'MG', 'NM', 'PT', 'XA', 'RF', 'BMD')),
    region_code TEXT,                        -- DICOM Body Part Examined (CHEST, HEAD, ...)
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0 AND duration_minutes <= 480),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_exam_catalogue_ccam_key ON exam_catalogue (ccam_code_key);
CREATE INDEX ix_exam_catalogue_label_key ON exam_catalogue (label_key);

CREATE TABLE correspondent (
    id @ID@,
    rpps TEXT UNIQUE,
    rpps_key TEXT @BIN@,
    last_name TEXT NOT NULL,
    last_name_key TEXT @BIN@,
    first_name TEXT,
    first_name_key TEXT @BIN@,
    specialty TEXT,
    mssante_address TEXT,
    phone TEXT,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_correspondent_last_name_key ON correspondent (last_name_key);
CREATE INDEX ix_correspondent_first_name_key ON correspondent (first_name_key);
CREATE INDEX ix_correspondent_rpps_key ON correspondent (rpps_key);
