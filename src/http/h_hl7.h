/* Handlers of the HL7 interface routes (routes_hl7.inc). Internal to src/http. */
#ifndef COULOIR_HTTP_H_HL7_H
#define COULOIR_HTTP_H_HL7_H

#include "http/http_internal.h"

#endif
