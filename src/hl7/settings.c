/* [hl7] settings (registered by the application, documented in docs/configuration.md). */
#include "hl7/hl7.h"

const config_setting hl7_settings[] = {
    {"hl7", "listen_address", "0.0.0.0", "Address the MLLP listener binds to", false},
    {"hl7", "listen_port", "2575", "TCP port of the MLLP listener (0 disables it)", false},
    {"hl7", "max_message_bytes", "16777216", "Largest inbound HL7 message; larger ones are answered AR", false},
    {"hl7", "idle_timeout_seconds", "60", "An MLLP connection silent that long is closed", false},
    {"hl7", "max_connections", "1024", "Simultaneous MLLP connections accepted", false},
    {"hl7", "undeclared_charset", NULL,
     "Charset assumed for messages without MSH-18 whose bytes are not ASCII/UTF-8 (e.g. 8859/1); unset: refused", false},
    {"hl7", "tls_cert_file", NULL, "PEM certificate chain of the MLLP listener; set with tls_key_file to require TLS", false},
    {"hl7", "tls_key_file", NULL, "PEM private key of the MLLP listener's certificate", false},
    {NULL, NULL, NULL, NULL, false},
};
