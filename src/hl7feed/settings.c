/* [hl7feed] settings (registered by the application). */
#include "hl7feed/hl7feed.h"

const config_setting hl7feed_settings[] = {
    {"hl7feed", "application", "COULOIR", "MSH-3 of the messages Couloir sends and MSH-3 of its acknowledgements", false},
    {"hl7feed", "facility", "", "MSH-4 of the messages Couloir sends (e.g. the FINESS of the practice)", false},
    {"hl7feed", "batch_max", "512", "Most inbound HL7 messages committed together by the group-commit worker", false},
    {"hl7feed", "domain_senders", "",
     "Comma-separated senders (MSH-3 or MSH-3/MSH-4) belonging to our identification domain: their PID-32 VALI INS is taken", false},
    {"hl7feed", "trusted_senders", "",
     "Comma-separated senders (MSH-3 or MSH-3/MSH-4) with an identity trust contract (RIS.INS.39)", false},
    {"hl7feed", "pacs_address", "", "host:port of the PACS MLLP listener receiving orders and ADT (empty: none)", false},
    {"hl7feed", "pacs_flavour", "omi", "Order messages to the PACS: omi (OMI^O23 v2.5.1) or orm (ORM^O01 v2.3.1)", false},
    {"hl7feed", "pacs_charset", "UNICODE UTF-8", "MSH-18 of the messages sent to the PACS (UNICODE UTF-8, 8859/1, 8859/15)", false},
    {"hl7feed", "pacs_application", "PACS", "MSH-5 of the messages sent to the PACS", false},
    {"hl7feed", "pacs_facility", "", "MSH-6 of the messages sent to the PACS", false},
    {"hl7feed", "pacs_ack_timeout_seconds", "30", "Time the PACS has to acknowledge a message before it is retried", false},
    {NULL, NULL, NULL, NULL, false},
};
