-- Modality worklist (src/worklist): steps of a station in (start_at, id) order straight from the
-- index, so that a page of the worklist stops after its LIMIT (ix_scheduled_step_worklist has
-- the status between start_at and the row id, which forces a sort of the whole range).
CREATE INDEX ix_scheduled_step_ae_start ON scheduled_step (ae_title, start_at);
