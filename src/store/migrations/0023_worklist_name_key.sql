-- Modality worklist (src/worklist): the patient's normalised birth name (identity.birth_name_key,
-- store_search_key form) copied onto each scheduled step, so that "patient name wildcard + day"
-- is answered from the index on (patient_name_key, start_at, status) alone (one range per name
-- key present, see store_mwl_page) instead of a join per step of the day.
-- Kept in sync by store_mwl_sync_name_key() (src/store/worklist_sql.c), called by every writer
-- of steps, identities and order ownership (store_resource_insert/update, patient merge).
ALTER TABLE scheduled_step ADD COLUMN patient_name_key TEXT @BIN@;
UPDATE scheduled_step SET patient_name_key = (
    SELECT i.birth_name_key FROM requested_procedure rp
    JOIN imaging_order o ON o.id = rp.order_id
    JOIN identity i ON i.patient_id = o.patient_id
    WHERE rp.id = scheduled_step.procedure_id);
CREATE INDEX ix_scheduled_step_name_start ON scheduled_step (patient_name_key, start_at, status);
