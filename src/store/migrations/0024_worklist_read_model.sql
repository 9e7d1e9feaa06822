-- Modality worklist read model (src/store/worklist_sql.c, src/store/worklist.c): one row per
-- scheduled step holding every column a worklist answer needs, so that a C-FIND or a worklist
-- page reads one index range and one row per answer instead of joining six tables per answer
-- (at 1,000,000 steps the joins were ~85 % of the server's time for 1,000 answers).
--
-- mwl_source is the join the rows are copied from; mwl_entry has the same columns in the same
-- order. Triggers on every source table keep mwl_entry equal to mwl_source inside the writing
-- statement's own transaction, whoever writes (generic resources, HL7 feed, merges, MPPS, the
-- bench loader), so the worklist never shows a stale name, INS or status. The test
-- store_mwl_read_model checks the equality after every kind of write, on both backends.
--
-- Replaces the step's own copy of the name key (migration 0023) and its application-side sync.

DROP INDEX ix_scheduled_step_name_start;
ALTER TABLE scheduled_step DROP COLUMN patient_name_key;

-- the scopes the triggers refresh by (exam and requester edits are rare but must not scan)
CREATE INDEX ix_requested_procedure_exam ON requested_procedure (exam_id);
CREATE INDEX ix_imaging_order_requester ON imaging_order (requester_id);

CREATE VIEW mwl_source AS
SELECT s.id AS step_id, s.procedure_id, rp.order_id, o.patient_id, rp.exam_id, o.requester_id,
       s.start_at, s.status, s.sps_id, s.ae_title, s.modality_type, s.performing_physician,
       rp.accession_number, rp.study_instance_uid,
       e.ccam_code, e.label AS exam_label, e.loinc_code, e.region_code,
       pa.ipp,
       i.birth_name, i.used_name, i.first_given_name, i.given_names, i.birth_date, i.sex,
       i.ins_matricule, i.ins_oid, i.rniv_status, i.douteuse, i.fictive,
       i.birth_name_key AS patient_name_key, i.used_name_key,
       o.placer_number, o.filler_number, o.priority, o.reason,
       cr.last_name AS requester_last_name, cr.first_name AS requester_first_name, cr.rpps AS requester_rpps
FROM scheduled_step s
JOIN requested_procedure rp ON rp.id = s.procedure_id
JOIN imaging_order o ON o.id = rp.order_id
JOIN patient pa ON pa.id = o.patient_id
JOIN exam_catalogue e ON e.id = rp.exam_id
LEFT JOIN identity i ON i.patient_id = o.patient_id
LEFT JOIN correspondent cr ON cr.id = o.requester_id;

CREATE TABLE mwl_entry (
    step_id @KEY@,
    procedure_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    exam_id BIGINT NOT NULL,
    requester_id BIGINT,
    start_at TEXT NOT NULL,
    status TEXT NOT NULL,
    sps_id TEXT NOT NULL,
    ae_title TEXT,
    modality_type TEXT,
    performing_physician TEXT,
    accession_number TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
    ccam_code TEXT NOT NULL,
    exam_label TEXT NOT NULL,
    loinc_code TEXT,
    region_code TEXT,
    ipp TEXT NOT NULL,
    birth_name TEXT,
    used_name TEXT,
    first_given_name TEXT,
    given_names TEXT,
    birth_date TEXT,
    sex TEXT,
    ins_matricule TEXT,
    ins_oid TEXT,
    rniv_status TEXT,
    douteuse INTEGER,
    fictive INTEGER,
    patient_name_key TEXT @BIN@,
    used_name_key TEXT @BIN@,
    placer_number TEXT,
    filler_number TEXT,
    priority TEXT,
    reason TEXT,
    requester_last_name TEXT,
    requester_first_name TEXT,
    requester_rpps TEXT
);

INSERT INTO mwl_entry SELECT * FROM mwl_source;

-- Each access path gives its rows in (start_at, step_id) order for one status, so a page stops
-- at its LIMIT: station, modality, status alone, and name key (one range per key present).
CREATE INDEX ix_mwl_entry_station ON mwl_entry (ae_title, status, start_at);
CREATE INDEX ix_mwl_entry_modality ON mwl_entry (modality_type, status, start_at);
CREATE INDEX ix_mwl_entry_status ON mwl_entry (status, start_at);
CREATE INDEX ix_mwl_entry_name ON mwl_entry (patient_name_key, status, start_at);
CREATE INDEX ix_mwl_entry_accession ON mwl_entry (accession_number);
CREATE INDEX ix_mwl_entry_ipp ON mwl_entry (ipp);
CREATE INDEX ix_mwl_entry_sps ON mwl_entry (sps_id);
CREATE INDEX ix_mwl_entry_study ON mwl_entry (study_instance_uid);

-- The steps' own indexes that only the worklist used (it now reads mwl_entry).
DROP INDEX ix_scheduled_step_modality_start;
DROP INDEX ix_scheduled_step_ae_start;

-- [sqlite]
-- One trigger per source table and kind of write; each re-copies the steps it can change.
-- REPLACE is safe here: no writer of these tables uses an OR-conflict clause, which would
-- override the trigger's.
CREATE TRIGGER tr_mwl_step_insert AFTER INSERT ON scheduled_step BEGIN
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE step_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_step_update AFTER UPDATE OF id, procedure_id, start_at, status, sps_id, ae_title,
    modality_type, performing_physician ON scheduled_step BEGIN
    DELETE FROM mwl_entry WHERE step_id = OLD.id AND OLD.id <> NEW.id;
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE step_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_step_delete AFTER DELETE ON scheduled_step BEGIN
    DELETE FROM mwl_entry WHERE step_id = OLD.id;
END;
CREATE TRIGGER tr_mwl_procedure AFTER UPDATE OF order_id, exam_id, accession_number, study_instance_uid
    ON requested_procedure BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE procedure_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_order AFTER UPDATE OF patient_id, requester_id, placer_number, filler_number, priority,
    reason ON imaging_order BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE order_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_patient AFTER UPDATE OF ipp ON patient BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_identity_insert AFTER INSERT ON identity BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = NEW.patient_id;
END;
CREATE TRIGGER tr_mwl_identity_update AFTER UPDATE OF patient_id, birth_name, birth_name_key, used_name,
    used_name_key, first_given_name, given_names, birth_date, sex, ins_matricule, ins_oid, rniv_status,
    douteuse, fictive ON identity BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = OLD.patient_id AND OLD.patient_id <> NEW.patient_id;
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = NEW.patient_id;
END;
CREATE TRIGGER tr_mwl_identity_delete AFTER DELETE ON identity BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = OLD.patient_id;
END;
CREATE TRIGGER tr_mwl_exam AFTER UPDATE OF ccam_code, label, loinc_code, region_code ON exam_catalogue BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE exam_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_requester AFTER UPDATE OF last_name, first_name, rpps ON correspondent BEGIN
    REPLACE INTO mwl_entry SELECT * FROM mwl_source WHERE requester_id = NEW.id;
END;
-- [postgresql]
-- mwl_refresh(column, key): re-copies the steps whose mwl_source.<column> = key, as an upsert
-- (two transactions refreshing one step cannot collide on its key). The column list is the
-- view's, once.
CREATE FUNCTION mwl_refresh(col text, key bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    cols constant text := 'procedure_id, order_id, patient_id, exam_id, requester_id, start_at, status, sps_id, '
        'ae_title, modality_type, performing_physician, accession_number, study_instance_uid, ccam_code, '
        'exam_label, loinc_code, region_code, ipp, birth_name, used_name, first_given_name, given_names, '
        'birth_date, sex, ins_matricule, ins_oid, rniv_status, douteuse, fictive, patient_name_key, '
        'used_name_key, placer_number, filler_number, priority, reason, requester_last_name, '
        'requester_first_name, requester_rpps';
BEGIN
    IF key IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE %I = $1 '
                   'ON CONFLICT (step_id) DO UPDATE SET (%s) = ROW(%s)',
                   col, cols, regexp_replace(cols, '(\w+)', 'EXCLUDED.\1', 'g'))
        USING key;
END
$fn$;

-- Trigger function: TG_ARGV[0] = the mwl_source column, TG_ARGV[1] = the changed row's field
-- holding its value (id, or patient_id for identity). A step deleted takes its entry with it.
CREATE FUNCTION mwl_on_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    old_key bigint;
    new_key bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_key := (to_jsonb(OLD) ->> TG_ARGV[1])::bigint;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_key := (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
    END IF;
    IF TG_TABLE_NAME = 'scheduled_step' AND old_key IS DISTINCT FROM new_key THEN
        DELETE FROM mwl_entry WHERE step_id = old_key;
    ELSIF old_key IS DISTINCT FROM new_key THEN
        PERFORM mwl_refresh(TG_ARGV[0], old_key);
    END IF;
    PERFORM mwl_refresh(TG_ARGV[0], new_key);
    RETURN NULL;
END
$fn$;

CREATE TRIGGER tr_mwl_step AFTER INSERT OR DELETE OR UPDATE OF id, procedure_id, start_at, status, sps_id,
    ae_title, modality_type, performing_physician ON scheduled_step
    FOR EACH ROW EXECUTE FUNCTION mwl_on_change('step_id', 'id');
CREATE TRIGGER tr_mwl_procedure AFTER UPDATE OF order_id, exam_id, accession_number, study_instance_uid
    ON requested_procedure FOR EACH ROW EXECUTE FUNCTION mwl_on_change('procedure_id', 'id');
CREATE TRIGGER tr_mwl_order AFTER UPDATE OF patient_id, requester_id, placer_number, filler_number, priority,
    reason ON imaging_order FOR EACH ROW EXECUTE FUNCTION mwl_on_change('order_id', 'id');
CREATE TRIGGER tr_mwl_patient AFTER UPDATE OF ipp ON patient
    FOR EACH ROW EXECUTE FUNCTION mwl_on_change('patient_id', 'id');
CREATE TRIGGER tr_mwl_identity AFTER INSERT OR DELETE OR UPDATE OF patient_id, birth_name, birth_name_key,
    used_name, used_name_key, first_given_name, given_names, birth_date, sex, ins_matricule, ins_oid,
    rniv_status, douteuse, fictive ON identity
    FOR EACH ROW EXECUTE FUNCTION mwl_on_change('patient_id', 'patient_id');
CREATE TRIGGER tr_mwl_exam AFTER UPDATE OF ccam_code, label, loinc_code, region_code ON exam_catalogue
    FOR EACH ROW EXECUTE FUNCTION mwl_on_change('exam_id', 'id');
CREATE TRIGGER tr_mwl_requester AFTER UPDATE OF last_name, first_name, rpps ON correspondent
    FOR EACH ROW EXECUTE FUNCTION mwl_on_change('requester_id', 'id');
-- [all]
