/* Report templates of the demo centre: one per exam of the demo catalogue (demo_exams[]), tied to
 * that exam and carrying its own LOINC code, anatomical region (JDV 1.2.250.1.213.1.1.5.695),
 * target site (JDV 1.2.250.1.213.1.1.5.694), CCAM act, radiation exposure rule and default
 * technique text. report_templates_find_for_exam never lends one exam's template to another.
 * Internal to src/demo. */
#ifndef COULOIR_DEMO_DEMO_TEMPLATES_H
#define COULOIR_DEMO_DEMO_TEMPLATES_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct {
    const char *exam_ccam;   /* CCAM code of the demo exam it is tied to (demo_exams[]) */
    const char *code, *label, *modality;
    const char *json;        /* report/report.h template JSON */
} demo_template;

extern const demo_template demo_templates[];
extern const size_t demo_templates_count;

/* Inserts demo_templates[] inside the caller's transaction; exam_ids[i] is the catalogue id of
 * demo_exams[i]. STORE_INVALID when a template names an exam absent from demo_exams[]. On
 * failure err receives an English message. */
store_status demo_seed_templates(store_conn_t *c, const int64_t *exam_ids, char *err, size_t errlen);

#endif
