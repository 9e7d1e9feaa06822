/* Identity feed (IHE PAM, French national extension): ADT events -> patients, identities,
 * DMP consent (ZFA) and visits (PV1). */
#include <stdio.h>
#include <string.h>

#include "hl7feed/hl7feed_internal.h"

/* Visit state after an event. */
static const char *visit_status(const char *event)
{
    if (strcmp(event, "A03") == 0) return "discharged";
    if (strcmp(event, "A11") == 0 || strcmp(event, "A38") == 0) return "cancelled";
    return "active";
}

static store_status store_visit(store_conn_t *c, const hl7_message *m, const char *event, int64_t patient_id)
{
    char number[64], cls[8], loc[128], adm[32], dis[32], adm_iso[32] = "", dis_iso[32] = "";
    feed_getn(m, "PV1-19.1", number, sizeof number);
    if (!number[0]) return STORE_OK;
    feed_getn(m, "PV1-2", cls, sizeof cls);
    feed_getn(m, "PV1-3.1", loc, sizeof loc);
    feed_getn(m, "PV1-44.1", adm, sizeof adm);
    feed_getn(m, "PV1-45.1", dis, sizeof dis);
    if (adm[0] && feed_dtm_to_iso(adm, adm_iso, sizeof adm_iso) != 0) adm_iso[0] = 0;
    if (dis[0] && feed_dtm_to_iso(dis, dis_iso, sizeof dis_iso) != 0) dis_iso[0] = 0;
    const char *status = visit_status(event);
    if (strcmp(event, "A13") == 0) dis_iso[0] = 0; /* cancel discharge */
    return hl7s_visit_upsert(c, patient_id, number, cls[0] ? cls : NULL, loc[0] ? loc : NULL,
                             adm_iso[0] ? adm_iso : NULL, dis_iso[0] ? dis_iso : NULL, status);
}

static store_status store_zfa(store_conn_t *c, const hl7_message *m, int64_t patient_id)
{
    if (hl7_segment_find(m, "ZFA", 1) < 0) return STORE_OK;
    static const int fields[HL7S_ZFA_FIELDS] = {1, 2, 3, 4, 5, 6, 9, 10};
    char v[HL7S_ZFA_FIELDS][64];
    const char *z[HL7S_ZFA_FIELDS];
    for (int i = 0; i < HL7S_ZFA_FIELDS; i++) {
        char path[16];
        snprintf(path, sizeof path, "ZFA-%d.1", fields[i]);
        feed_getn(m, path, v[i], sizeof v[i]);
        z[i] = v[i][0] ? v[i] : NULL;
    }
    return hl7s_dmp_upsert(c, patient_id, z);
}

/* The first MRG-1 identifier of type PI (or without type). */
static void mrg_ipp(const hl7_message *m, char *out, size_t n)
{
    out[0] = 0;
    int reps = hl7_rep_count(m, "MRG-1");
    for (int r = 1; r <= reps && !out[0]; r++) {
        char path[32], type[16];
        snprintf(path, sizeof path, "MRG-1[%d].5", r);
        feed_getn(m, path, type, sizeof type);
        if (strcmp(type, "PI") != 0 && type[0]) continue;
        snprintf(path, sizeof path, "MRG-1[%d].1", r);
        feed_getn(m, path, out, n);
    }
}

store_status feed_process_adt(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *event,
                              const char *sender, int64_t inbox_id, hl7feed_outcome *o)
{
    bool merge = strcmp(event, "A40") == 0, change_id = strcmp(event, "A47") == 0;
    char old_ipp[64] = "";
    store_status st;
    if (merge || change_id) {
        mrg_ipp(m, old_ipp, sizeof old_ipp);
        if (!old_ipp[0]) {
            feed_outcome(o, HL7_ACK_AE, HL7_ERR_REQUIRED_FIELD, "MRG-1", "Identifiant à fusionner/modifier (MRG-1) absent");
            return STORE_OK;
        }
    }
    if (change_id) {
        /* A47: the patient known under MRG-1 now carries the PID-3 IPP */
        int64_t old_pid, merged;
        st = hl7s_patient_by_ipp(c, old_ipp, &old_pid, &merged);
        if (st == STORE_NOT_FOUND) {
            feed_outcome(o, HL7_ACK_AE, HL7_ERR_UNKNOWN_KEY, "MRG-1", "Patient inconnu pour l'identifiant MRG-1");
            return STORE_OK;
        }
        if (st != STORE_OK) return st;
        char new_ipp[64] = "";
        int n3 = hl7_rep_count(m, "PID-3");
        for (int r = 1; r <= n3 && !new_ipp[0]; r++) {
            char path[32], type[16];
            snprintf(path, sizeof path, "PID-3[%d].5", r);
            feed_getn(m, path, type, sizeof type);
            if (strcmp(type, "PI") != 0 && type[0]) continue;
            snprintf(path, sizeof path, "PID-3[%d].1", r);
            feed_getn(m, path, new_ipp, sizeof new_ipp);
        }
        if (new_ipp[0] && strcmp(new_ipp, old_ipp) != 0) {
            int64_t other, m2;
            st = hl7s_patient_by_ipp(c, new_ipp, &other, &m2);
            if (st == STORE_OK) {
                feed_outcome(o, HL7_ACK_AE, HL7_ERR_DUPLICATE_KEY, "PID-3",
                             "Le nouvel IPP est déjà attribué à un autre patient");
                return STORE_OK;
            }
            if (st != STORE_NOT_FOUND) return st;
            st = hl7s_patient_change_ipp(c, old_pid, new_ipp);
            if (st != STORE_OK) return st;
        }
    }
    int64_t patient_id;
    bool changed;
    st = feed_patient_upsert(f, c, m, sender, inbox_id, &patient_id, &changed, o);
    if (st != STORE_OK || o->code != HL7_ACK_AA) return st;
    if (merge) {
        int64_t from, merged;
        st = hl7s_patient_by_ipp(c, old_ipp, &from, &merged);
        if (st == STORE_NOT_FOUND) {
            feed_outcome(o, HL7_ACK_AE, HL7_ERR_UNKNOWN_KEY, "MRG-1", "Patient à fusionner inconnu (MRG-1)");
            return STORE_OK;
        }
        if (st != STORE_OK) return st;
        if (from == patient_id) {
            feed_outcome(o, HL7_ACK_AE, HL7_ERR_TABLE_VALUE, "MRG-1", "Un patient ne peut pas être fusionné avec lui-même");
            return STORE_OK;
        }
        if (merged == 0) {
            st = hl7s_patient_merge(c, from, patient_id);
            if (st != STORE_OK) return st;
            st = hl7feed_enqueue_patient(f, c, patient_id, old_ipp);
            if (st != STORE_OK) return st;
        }
    } else if (changed || change_id) {
        st = hl7feed_enqueue_patient(f, c, patient_id, NULL);
        if (st != STORE_OK) return st;
    }
    st = store_zfa(c, m, patient_id);
    if (st == STORE_OK) st = store_visit(c, m, event, patient_id);
    if (st != STORE_OK) return st;
    feed_outcome(o, HL7_ACK_AA, 0, NULL, NULL);
    return STORE_OK;
}
