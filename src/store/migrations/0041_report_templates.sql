-- Report templates (modèles de compte rendu, issue 6): one row per template, edited by admins.
-- json holds the template in the form of src/report/report.h (report_template_to_json); code,
-- label and modality are copied from it for listing and lookup. exam_id ties a template to one
-- exam of the catalogue (NULL: a template for every exam of its modality). A template still
-- referenced by a report (report.template_id) is deactivated instead of deleted.

CREATE TABLE report_template (
    id @ID@,
    code TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    modality TEXT NOT NULL,
    exam_id BIGINT REFERENCES exam_catalogue (id),
    json TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_report_template_exam ON report_template (exam_id, active);
CREATE INDEX ix_report_template_modality ON report_template (modality, active);
