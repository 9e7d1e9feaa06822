-- Modality worklist (src/worklist): the patient-name criterion of a worklist page checked from
-- the index alone (identity by patient, with the normalised birth name).
CREATE INDEX ix_identity_patient_name ON identity (patient_id, birth_name_key);
