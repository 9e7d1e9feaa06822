-- HL7 destinations (issue 3): the MLLP peers receiving orders, patient updates and reports, managed
-- through the admin API (source 'api') or defined by the [hl7feed] pacs_* settings (source 'config',
-- kept in step with the configuration at start-up, read-only in the API). hl7_outbound links each
-- outbound HL7 job of the outbox to its destination, message type and MSH-10 for the delivery view.

CREATE TABLE hl7_destination (
    id @ID@,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'config')),
    host TEXT NOT NULL,
    port INTEGER NOT NULL CHECK (port >= 1 AND port <= 65535),
    flavour TEXT NOT NULL DEFAULT 'omi' CHECK (flavour IN ('omi', 'orm')),
    charset TEXT NOT NULL DEFAULT 'UNICODE UTF-8' CHECK (charset IN ('UNICODE UTF-8', '8859/1', '8859/15')),
    receiving_application TEXT NOT NULL DEFAULT '',
    receiving_facility TEXT NOT NULL DEFAULT '',
    send_orders INTEGER NOT NULL DEFAULT 1 CHECK (send_orders IN (0, 1)),
    send_patients INTEGER NOT NULL DEFAULT 1 CHECK (send_patients IN (0, 1)),
    send_reports INTEGER NOT NULL DEFAULT 0 CHECK (send_reports IN (0, 1)),
    report_flavour TEXT NOT NULL DEFAULT 'oru' CHECK (report_flavour IN ('oru', 'mdm')),
    tls INTEGER NOT NULL DEFAULT 0 CHECK (tls IN (0, 1)),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE hl7_outbound (
    job_id BIGINT PRIMARY KEY REFERENCES outbox_job (id),
    destination_id BIGINT,                    -- no FK: a deleted destination leaves its history
    message_type TEXT NOT NULL,               -- MSH-9 (OMI^O23, ADT^A08, ORU^R01...)
    control_id TEXT NOT NULL                  -- MSH-10
);
CREATE INDEX ix_hl7_outbound_destination ON hl7_outbound (destination_id, job_id);
