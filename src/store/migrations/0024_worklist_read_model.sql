-- Modality worklist read model (src/store/worklist_sql.c, src/store/worklist.c): one row per
-- scheduled step holding the columns of its step, procedure, order, patient and identity, so
-- that a C-FIND or a worklist page reads one index range and one row per answer instead of
-- joining five large tables per answer (at 1,000,000 steps the joins were ~85 % of the
-- server's time for 1,000 answers). The exam label and codes and the requester's name are not
-- copied: the readers join exam_catalogue and correspondent, small tables whose few pages stay
-- cached, because one edit of an exam or of a referring doctor would otherwise rewrite every
-- entry of years of history under the write lock (2 minutes for 1,000,000 steps).
--
-- mwl_source is the join the rows are copied from; mwl_entry has the same columns in the same
-- order. Triggers on every source table keep mwl_entry equal to mwl_source inside the writing
-- statement's own transaction, whoever writes (generic resources, HL7 feed, merges, MPPS, the
-- bench loader), so the worklist never shows a stale name, INS or status; on PostgreSQL these
-- writers are serialised (see mwl_lock below). The test store_mwl_read_model checks the
-- equality after every kind of write and under concurrent writers, on both backends.
--
-- Replaces the step's own copy of the name key (migration 0023) and its application-side sync.

-- [postgresql]
-- No write to the source tables may commit between the copy below and the triggers: it would
-- never reach the read model. (SQLite: the migration's BEGIN IMMEDIATE already excludes them.)
LOCK TABLE scheduled_step, requested_procedure, imaging_order, patient, identity IN SHARE ROW EXCLUSIVE MODE;
-- [all]
DROP INDEX ix_scheduled_step_name_start;
ALTER TABLE scheduled_step DROP COLUMN patient_name_key;

CREATE VIEW mwl_source AS
SELECT s.id AS step_id, s.procedure_id, rp.order_id, o.patient_id, rp.exam_id, o.requester_id,
       s.start_at, s.status, s.sps_id, s.ae_title, s.modality_type, s.performing_physician,
       rp.accession_number, rp.study_instance_uid,
       pa.ipp,
       i.birth_name, i.used_name, i.first_given_name, i.given_names, i.birth_date, i.sex,
       i.ins_matricule, i.ins_oid, i.rniv_status, i.douteuse, i.fictive,
       i.birth_name_key AS patient_name_key, i.used_name_key,
       o.placer_number, o.filler_number, o.priority, o.reason
FROM scheduled_step s
JOIN requested_procedure rp ON rp.id = s.procedure_id
JOIN imaging_order o ON o.id = rp.order_id
JOIN patient pa ON pa.id = o.patient_id
LEFT JOIN identity i ON i.patient_id = o.patient_id;

CREATE TABLE mwl_entry (
    step_id @KEY@,
    procedure_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    exam_id BIGINT NOT NULL,
    requester_id BIGINT,
    start_at TEXT NOT NULL @BIN@,             -- bytewise: the page order store_mwl_page sorts by
    status TEXT NOT NULL,
    sps_id TEXT NOT NULL,
    ae_title TEXT,
    modality_type TEXT,
    performing_physician TEXT,
    accession_number TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
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
    reason TEXT
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

-- [sqlite]
-- One trigger per source table and kind of write; each re-copies the steps it can change:
-- delete then insert, never REPLACE or an upsert, because the conflict clause of an outer
-- "INSERT/UPDATE OR IGNORE|FAIL|REPLACE" would override the trigger's own. Rows an outer OR
-- REPLACE removes fire the delete triggers because the store's connections set
-- recursive_triggers (store_sqlite.c). SQLite serialises writers, so a re-copy always reads
-- every committed change.
CREATE TRIGGER tr_mwl_step_insert AFTER INSERT ON scheduled_step BEGIN
    DELETE FROM mwl_entry WHERE step_id = NEW.id;
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE step_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_step_update AFTER UPDATE OF id, procedure_id, start_at, status, sps_id, ae_title,
    modality_type, performing_physician ON scheduled_step BEGIN
    DELETE FROM mwl_entry WHERE step_id IN (OLD.id, NEW.id);
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE step_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_step_delete AFTER DELETE ON scheduled_step BEGIN
    DELETE FROM mwl_entry WHERE step_id = OLD.id;
END;
CREATE TRIGGER tr_mwl_procedure AFTER UPDATE OF order_id, exam_id, accession_number, study_instance_uid
    ON requested_procedure BEGIN
    DELETE FROM mwl_entry WHERE step_id IN (SELECT id FROM scheduled_step WHERE procedure_id = NEW.id);
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE procedure_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_order AFTER UPDATE OF patient_id, requester_id, placer_number, filler_number, priority,
    reason ON imaging_order BEGIN
    DELETE FROM mwl_entry WHERE step_id IN (SELECT step_id FROM mwl_source WHERE order_id = NEW.id);
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE order_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_patient AFTER UPDATE OF ipp ON patient BEGIN
    DELETE FROM mwl_entry WHERE step_id IN (SELECT step_id FROM mwl_source WHERE patient_id = NEW.id);
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = NEW.id;
END;
CREATE TRIGGER tr_mwl_identity_insert AFTER INSERT ON identity BEGIN
    DELETE FROM mwl_entry WHERE step_id IN (SELECT step_id FROM mwl_source WHERE patient_id = NEW.patient_id);
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = NEW.patient_id;
END;
CREATE TRIGGER tr_mwl_identity_update AFTER UPDATE OF patient_id, birth_name, birth_name_key, used_name,
    used_name_key, first_given_name, given_names, birth_date, sex, ins_matricule, ins_oid, rniv_status,
    douteuse, fictive ON identity BEGIN
    DELETE FROM mwl_entry WHERE step_id IN (SELECT step_id FROM mwl_source WHERE patient_id IN (OLD.patient_id, NEW.patient_id));
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id IN (OLD.patient_id, NEW.patient_id);
END;
CREATE TRIGGER tr_mwl_identity_delete AFTER DELETE ON identity BEGIN
    DELETE FROM mwl_entry WHERE step_id IN (SELECT step_id FROM mwl_source WHERE patient_id = OLD.patient_id);
    INSERT INTO mwl_entry SELECT * FROM mwl_source WHERE patient_id = OLD.patient_id;
END;
-- [postgresql]
-- Concurrency. A re-copy reads mwl_source with its statement's snapshot: a change another
-- transaction has not committed yet is invisible to it, and its upsert, waiting on that
-- transaction's entry, would then write the old values over the new ones once it commits (a
-- cancelled step offered again, a rename lost). So writers of the source tables are serialised:
-- mwl_lock() takes one transaction-level advisory lock in a BEFORE ... FOR EACH STATEMENT
-- trigger of every INSERT, UPDATE and DELETE on them, before the statement locks any of their
-- rows, held until commit. Each re-copy is a new statement of a VOLATILE function, with a
-- fresh snapshot under READ COMMITTED (the store's isolation), taken once every earlier holder
-- has committed. The cost: writes to these five tables do not overlap (a RIS writes them a few
-- times per second; SQLite serialises every writer anyway). A transaction that locks rows of
-- another table first (an appointment, say) and then touches a source table can still meet a
-- holder of the lock wanting those rows: PostgreSQL detects that deadlock and fails one of the
-- two (STORE_CONFLICT), nothing is half-written; the store's own multi-statement writers write
-- the source tables before other rows (see h_transition). The wait is bounded by the session's
-- lock_timeout (the store sets its busy timeout there, then SQLSTATE 55P03), and the store's
-- sessions run READ COMMITTED whatever the database's default (store_pg.c).
CREATE FUNCTION mwl_lock() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(7424011); -- the read model's lock: one key, any constant
    RETURN NULL;
END
$fn$;

-- mwl_refresh(column, key): re-copies the steps whose mwl_source.<column> = key, as an upsert.
-- The column list is the view's, once.
CREATE FUNCTION mwl_refresh(col text, key bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    cols constant text := 'procedure_id, order_id, patient_id, exam_id, requester_id, start_at, status, sps_id, '
        'ae_title, modality_type, performing_physician, accession_number, study_instance_uid, ipp, birth_name, '
        'used_name, first_given_name, given_names, birth_date, sex, ins_matricule, ins_oid, rniv_status, '
        'douteuse, fictive, patient_name_key, used_name_key, placer_number, filler_number, priority, reason';
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

-- The lock first (statement level, any write, before any row), then the re-copy (row level).
CREATE TRIGGER tr_mwl_step_lock BEFORE INSERT OR UPDATE OR DELETE ON scheduled_step
    FOR EACH STATEMENT EXECUTE FUNCTION mwl_lock();
CREATE TRIGGER tr_mwl_procedure_lock BEFORE INSERT OR UPDATE OR DELETE ON requested_procedure
    FOR EACH STATEMENT EXECUTE FUNCTION mwl_lock();
CREATE TRIGGER tr_mwl_order_lock BEFORE INSERT OR UPDATE OR DELETE ON imaging_order
    FOR EACH STATEMENT EXECUTE FUNCTION mwl_lock();
CREATE TRIGGER tr_mwl_patient_lock BEFORE INSERT OR UPDATE OR DELETE ON patient
    FOR EACH STATEMENT EXECUTE FUNCTION mwl_lock();
CREATE TRIGGER tr_mwl_identity_lock BEFORE INSERT OR UPDATE OR DELETE ON identity
    FOR EACH STATEMENT EXECUTE FUNCTION mwl_lock();

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
-- [all]
