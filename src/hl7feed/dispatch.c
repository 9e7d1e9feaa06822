/* Which messages Couloir takes (version, type, event) and where each goes. */
#include <stdio.h>
#include <string.h>

#include "hl7feed/hl7feed_internal.h"

static const char *const versions[] = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", NULL};
static const char *const adt_events[] = {"A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A11", "A12",
                                         "A13", "A21", "A22", "A28", "A31", "A38", "A40", "A47", NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return true;
    return false;
}

store_status feed_dispatch(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *sender,
                           int64_t inbox_id, hl7feed_outcome *o)
{
    char version[16], type[8], event[8];
    feed_getn(m, "MSH-12.1", version, sizeof version);
    feed_getn(m, "MSH-9.1", type, sizeof type);
    feed_getn(m, "MSH-9.2", event, sizeof event);
    if (!in_list(versions, version)) {
        char text[160];
        snprintf(text, sizeof text, "Version HL7 non prise en charge : « %s »", version);
        feed_outcome(o, HL7_ACK_AR, HL7_ERR_UNSUPPORTED_VERSION, "MSH-12", text);
        return STORE_OK;
    }
    if (strcmp(type, "ADT") == 0) {
        if (!in_list(adt_events, event)) {
            char text[160];
            snprintf(text, sizeof text, "Événement ADT non pris en charge : « %s »", event);
            feed_outcome(o, HL7_ACK_AR, HL7_ERR_UNSUPPORTED_EVENT, "MSH-9", text);
            return STORE_OK;
        }
        if (hl7_segment_find(m, "PID", 1) < 0) {
            feed_outcome(o, HL7_ACK_AE, HL7_ERR_SEGMENT_SEQUENCE, "PID", "Segment PID absent");
            return STORE_OK;
        }
        return feed_process_adt(f, c, m, event, sender, inbox_id, o);
    }
    if ((strcmp(type, "ORM") == 0 && strcmp(event, "O01") == 0) || (strcmp(type, "OMI") == 0 && strcmp(event, "O23") == 0)) {
        if (hl7_segment_find(m, "PID", 1) < 0) {
            feed_outcome(o, HL7_ACK_AE, HL7_ERR_SEGMENT_SEQUENCE, "PID", "Segment PID absent");
            return STORE_OK;
        }
        return feed_process_order(f, c, m, sender, inbox_id, o);
    }
    char text[160];
    snprintf(text, sizeof text, "Type de message non pris en charge : « %s^%s »", type, event);
    feed_outcome(o, HL7_ACK_AR, HL7_ERR_UNSUPPORTED_MESSAGE_TYPE, "MSH-9", text);
    return STORE_OK;
}
