-- Modality worklist (src/worklist): the indexes its queries use besides ix_scheduled_step_worklist
-- (ae_title, start_at, status): by modality and time, and by status and time (worklist without
-- any other key); performed steps by SOP instance UID are already unique.
CREATE INDEX ix_scheduled_step_modality_start ON scheduled_step (modality_type, start_at);
CREATE INDEX ix_scheduled_step_status_start ON scheduled_step (status, start_at);
