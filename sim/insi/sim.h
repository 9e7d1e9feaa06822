/* couloir-insi-sim: a local stand-in for the CNAM INSi teleservice (SOAP 1.2 over mutual TLS).
 * Internal header of the sim program. */
#ifndef COULOIR_SIM_INSI_H
#define COULOIR_SIM_INSI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

typedef struct {
    char number[14], key[3], oid[64];
    char birth_name[101], given_names[101], sex[4], birth_date[11], birth_place[8];
    char vitale[16]; /* NIR + key read on the card, "" when none */
    char rank[4];
    char history[8][16];
    size_t n_history;
} sim_identity;

typedef struct {
    sim_identity *items;
    size_t n;
} sim_identities;

/* Loads the tab-separated file; returns 0 or -1 with a message. */
int sim_identities_load(const char *path, sim_identities *out, char *err, size_t errlen);
void sim_identities_free(sim_identities *ids);

typedef struct {
    const sim_identities *ids;
    const char *idam;          /* expected IDAM; NULL: any */
    const char *client_cn;     /* CN of the verified client certificate */
    const char *allowed_cns;   /* comma-separated; NULL: any */
} sim_request_ctx;

/* Answers one SOAP request: fills body (XML) and *http_status (200 or 500). */
void sim_answer(const sim_request_ctx *ctx, const char *action_header, const char *req, size_t len, buf_t *body,
                unsigned *http_status);

#endif
