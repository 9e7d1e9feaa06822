/* [http] settings. */
#include "http/http.h"

const config_setting http_settings[] = {
    {"http", "bind", "0.0.0.0", "Address the HTTP server listens on (IPv4 or IPv6 literal, or a host name).", false},
    {"http", "port", "8080", "TCP port of the HTTP server (0 picks a free port).", false},
    {"http", "threads", "4", "Number of threads of the HTTP server's pool (1-64).", false},
    {"http", "tls_cert", NULL, "PEM certificate (chain) file; with tls_key, the server speaks HTTPS only.", false},
    {"http", "tls_key", NULL, "PEM private key file of tls_cert.", false},
    {"http", "max_body_bytes", "1048576", "Largest accepted request body in bytes; larger bodies get 413 too_large.", false},
    {"http", "session_ttl_minutes", "480", "Lifetime of a login session, in minutes.", false},
    {"http", "session_cache_seconds", "5",
     "Seconds a resolved session is reused without asking the database (0: never). Logout and account "
     "changes made through the API apply at once; changes made elsewhere within this delay.", false},
    {"http", "login_max_attempts", "5",
     "Failed logins allowed per client address and per login within login_window_seconds before 429.", false},
    {"http", "login_window_seconds", "300", "Sliding window of the login rate limiter, in seconds.", false},
    {"http", "web_root", "web", "Folder of the static web UI served for non-API paths (index.html for /). A relative path missing from the working directory falls back to the web/ folder of the source tree Couloir was built from.", false},
    {"http", "slot_step_minutes", "15", "Free-slot search: candidate start times are multiples of this from the opening time.",
     false},
    {"http", "slot_weekends", "false", "Free-slot search: also offer Saturdays and Sundays.", false},
    {"http", "response_cache_ms", "2000",
     "Agenda and free-slot search: milliseconds (0-60000, 0: no cache) an answer is reused while nothing was "
     "written through this server. Writes by other processes sharing the database show within this delay.", false},
    {"http", "response_cache_entries", "64", "Agenda and free-slot search: number of answers kept (1-4096, least "
     "recently used dropped first; each at most 4 MiB).", false},
    {NULL, NULL, NULL, NULL, false},
};
