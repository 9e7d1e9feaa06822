-- Reprocessing of a received HL7 message with a corrected text (POST /api/v1/hl7/inbox/{id}/reprocess)
-- replaces inbox_message.raw; the message as received is kept here for traceability, set once at the
-- first correction (NULL: never corrected).
ALTER TABLE inbox_message ADD COLUMN original_raw TEXT;
