-- DMP feed of a report decided from the data (review R1): the patient's opposition to the DMP feed
-- received from the PAM-FR identity feed (ZFA-9: IO opposition, INO no opposition, NA not asked;
-- ZFA-10 its date), and why a sharing channel was not used for a report (shown in Report.shares as
-- not_applicable with this French reason). One row per report and channel: the latest decision
-- (deleted when a later decision queues a job on that channel).
ALTER TABLE patient_dmp ADD COLUMN feed_opposition TEXT;
ALTER TABLE patient_dmp ADD COLUMN feed_opposition_at TEXT;

CREATE TABLE report_share_note (
    report_id BIGINT NOT NULL REFERENCES report (id),
    channel TEXT NOT NULL CHECK (channel IN ('dmp', 'mssante', 'hl7')),
    version INTEGER NOT NULL,
    reason TEXT NOT NULL,                     -- French
    created_at TEXT NOT NULL,
    PRIMARY KEY (report_id, channel)
);
