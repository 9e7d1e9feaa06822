-- Truthful sharing status of a report on the HL7 channel (issues 6 and 7): each "hl7" job the
-- "report-hl7" sender fans out (one per destination subscribed to reports) names its parent job,
-- the hand-off job report_share links to the report. NULL for the messages of the order and
-- patient feeds. No backfill: migrations 0011 and 0012 ship together, so no fanned-out row can
-- exist before this one (a per-row search through the outbox by dedup key would scan the whole
-- outbox table for every outbound message).

ALTER TABLE hl7_outbound ADD COLUMN parent_job_id BIGINT;
CREATE INDEX ix_hl7_outbound_parent ON hl7_outbound (parent_job_id, job_id);
