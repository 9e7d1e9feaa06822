-- Orders, requested procedures, scheduled and performed procedure steps, appointments.

CREATE TABLE imaging_order (
    id @ID@,
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    placer_number TEXT,
    filler_number TEXT UNIQUE,
    requester_id BIGINT REFERENCES correspondent (id),
    reason TEXT,
    priority TEXT NOT NULL DEFAULT 'routine' CHECK (priority IN ('routine', 'urgent', 'stat')),
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'in_progress', 'completed', 'discontinued', 'cancelled')),
    status_changed_at TEXT,
    ordered_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_imaging_order_patient ON imaging_order (patient_id);
CREATE INDEX ix_imaging_order_placer ON imaging_order (placer_number);

CREATE TABLE requested_procedure (
    id @ID@,
    order_id BIGINT NOT NULL REFERENCES imaging_order (id),
    exam_id BIGINT NOT NULL REFERENCES exam_catalogue (id),
    accession_number TEXT NOT NULL UNIQUE,
    study_instance_uid TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'in_progress', 'completed', 'discontinued', 'cancelled')),
    status_changed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_requested_procedure_order ON requested_procedure (order_id);

CREATE TABLE scheduled_step (
    id @ID@,
    procedure_id BIGINT NOT NULL REFERENCES requested_procedure (id),
    sps_id TEXT NOT NULL UNIQUE,
    modality_id BIGINT REFERENCES modality (id),
    ae_title TEXT,
    modality_type TEXT CHECK (modality_type IN ('CT', 'MR', 'US', 'CR', 'DX', 'MG', 'NM', 'PT', 'XA', 'RF', 'BMD')),
    start_at TEXT NOT NULL,
    performing_physician TEXT,
    status TEXT NOT NULL DEFAULT 'booked'
        CHECK (status IN ('booked', 'arrived', 'in_progress', 'completed', 'discontinued', 'cancelled', 'no_show')),
    status_changed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
-- The modality worklist: by AE title, day, status.
CREATE INDEX ix_scheduled_step_worklist ON scheduled_step (ae_title, start_at, status);
CREATE INDEX ix_scheduled_step_start ON scheduled_step (start_at);
CREATE INDEX ix_scheduled_step_procedure ON scheduled_step (procedure_id);

CREATE TABLE appointment (
    id @ID@,
    patient_id BIGINT NOT NULL REFERENCES patient (id),
    room_id BIGINT NOT NULL REFERENCES room (id),
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    procedure_id BIGINT REFERENCES requested_procedure (id),
    step_id BIGINT REFERENCES scheduled_step (id),
    status TEXT NOT NULL DEFAULT 'booked'
        CHECK (status IN ('booked', 'arrived', 'in_progress', 'completed', 'discontinued', 'cancelled', 'no_show')),
    status_changed_at TEXT,
    comment TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    CHECK (end_at > start_at)
);
-- The agenda: by room and time, and by time across rooms.
CREATE INDEX ix_appointment_room_start ON appointment (room_id, start_at);
CREATE INDEX ix_appointment_start ON appointment (start_at);
CREATE INDEX ix_appointment_patient ON appointment (patient_id);

CREATE TABLE performed_step (
    id @ID@,
    sop_instance_uid TEXT NOT NULL UNIQUE,    -- MPPS SOP Instance UID
    step_id BIGINT REFERENCES scheduled_step (id),
    procedure_id BIGINT REFERENCES requested_procedure (id),
    ae_title TEXT,
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'discontinued')),
    started_at TEXT,
    ended_at TEXT,
    dataset TEXT,                             -- last N-CREATE/N-SET attributes (JSON)
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX ix_performed_step_step ON performed_step (step_id);
