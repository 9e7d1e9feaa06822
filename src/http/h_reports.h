/* Handlers of the reporting routes (routes_reports.inc). Internal to src/http. */
#ifndef COULOIR_HTTP_H_REPORTS_H
#define COULOIR_HTTP_H_REPORTS_H

#include "http/http_internal.h"

#endif
