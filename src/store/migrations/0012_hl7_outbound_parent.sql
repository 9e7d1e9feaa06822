-- Truthful sharing status of a report on the HL7 channel (issues 6 and 7): each "hl7" job the
-- "report-hl7" sender fans out (one per destination subscribed to reports) names its parent job,
-- the hand-off job report_share links to the report. NULL for the messages of the order and
-- patient feeds. Rows fanned out before this migration are linked through their dedup key
-- ("report-hl7:<parent job>:<destination>").

ALTER TABLE hl7_outbound ADD COLUMN parent_job_id BIGINT;
UPDATE hl7_outbound SET parent_job_id = (
    SELECT p.id FROM outbox_job p JOIN outbox_job c ON c.id = hl7_outbound.job_id
    WHERE p.kind = 'report-hl7' AND c.dedup_key = 'report-hl7:' || p.id || ':' || hl7_outbound.destination_id)
WHERE destination_id IS NOT NULL;
CREATE INDEX ix_hl7_outbound_parent ON hl7_outbound (parent_job_id, job_id);
