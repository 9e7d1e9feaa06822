-- Reports read the latest performed step of a procedure (times and images for the CDA) on every
-- view and validation: index it by procedure (performed_step was indexed by step only).
CREATE INDEX ix_performed_step_procedure ON performed_step (procedure_id, id);
