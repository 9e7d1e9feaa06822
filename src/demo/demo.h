/* Demo data: a fictional imaging centre to try Couloir with.
 *
 * demo_seed() fills an empty (migrated) database with one site ("Centre d'imagerie du Couloir",
 * FINESS 750990012), five rooms (scanner, IRM, radiologie, échographie, mammographie), their
 * modalities with AE titles, an exam catalogue of real CCAM imaging acts with LOINC codes,
 * one report template per exam of that catalogue (report_template_store.h),
 * fictional correspondents (Luhn-valid RPPS numbers, MSSanté addresses under
 * medecin.mssante.fr), 40 fictional patients with identities in every RNIV status (INS
 * matricules only under the test OID 1.2.250.1.213.1.4.10, with valid keys), and a week of
 * orders / requested procedures / scheduled steps / appointments from `today_days` (working
 * days, 08:00-18:00 local time, no overlap within a room).
 *
 * Idempotent: when the demo site already exists nothing is written and STORE_OK is returned.
 * Everything is written in one transaction.
 *
 * Users are not created here (passwords must be hashed with argon2id by the application):
 * demo_users[] lists the accounts `couloir demo` creates, with their documented passwords. */
#ifndef COULOIR_DEMO_DEMO_H
#define COULOIR_DEMO_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* FINESS of the demo site: its presence marks a seeded database. */
#define DEMO_SITE_FINESS "750990012"

typedef struct {
    const char *login;
    const char *display_name;
    const char *role;        /* model_role_parse() name */
    const char *rpps;        /* NULL when none */
    const char *password;    /* demo password, documented: never use on real data */
} demo_user;

/* The demo accounts, one per role (terminated by a {NULL} entry):
 *   accueil       / Accueil-Demo-2026
 *   manipulateur  / Manip-Demo-2026
 *   radiologue    / Radio-Demo-2026
 *   admin         / Admin-Demo-2026 */
extern const demo_user demo_users[];

/* Seeds the demo data; today_days = days since 1970-01-01 of the first agenda day (local
 * calendar). On failure, err receives an English message (the transaction is rolled back). */
store_status demo_seed(store_t *st, int64_t today_days, char *err, size_t errlen);

/* Counts of what demo_seed writes (for tests and the CLI summary). */
typedef struct {
    size_t patients, correspondents, rooms, modalities, exams, appointments;
} demo_counts;
void demo_expected_counts(int64_t today_days, demo_counts *out);

#endif
