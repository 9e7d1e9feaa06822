/* Handlers of the reporting routes (routes_reports.inc). Internal to src/http. */
#ifndef COULOIR_HTTP_H_REPORTS_H
#define COULOIR_HTTP_H_REPORTS_H

#include "http/http_internal.h"

/* Report templates (h_report_templates.c): read radiologue/admin, write admin. */
void h_report_templates_list(http_ctx *cx);
void h_report_templates_get(http_ctx *cx);
void h_report_templates_create(http_ctx *cx);
void h_report_templates_update(http_ctx *cx);
void h_report_templates_delete(http_ctx *cx);
/* Manual retry of an outbox job (h_outbox.c): radiologue/admin. */
void h_outbox_retry(http_ctx *cx);

/* Reports (h_reports.c): radiologue everything; manipulateur lists and one report. */
void h_reports_list(http_ctx *cx);
void h_reports_to_report(http_ctx *cx);
void h_reports_reminders(http_ctx *cx);
void h_reports_create(http_ctx *cx);
void h_reports_get(http_ctx *cx);
void h_reports_update(http_ctx *cx);
void h_reports_action(http_ctx *cx);
void h_reports_pdf(http_ctx *cx);
void h_reports_cda_n1(http_ctx *cx);
void h_reports_cda_n3(http_ctx *cx);
void h_reports_html(http_ctx *cx);
void h_reports_preview(http_ctx *cx);

#endif
