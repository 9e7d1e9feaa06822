/* Outbound messages to the PACS and other destinations, enqueued in the outbox (kind "hl7")
 * inside the transaction of the change, one job per enabled destination subscribed to the event:
 * OMI^O23 (v2.5.1) or ORM^O01 (v2.3.1) per destination flavour for orders, ADT^A08 and ADT^A40
 * for patients. The payload is JSON {"destination_id", "message"} with the message serialized
 * in UTF-8; the sender converts it to the destination's charset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/timeutil.h"
#include "hl7feed/hl7feed_internal.h"

typedef struct {
    hl7_message *m;
    long seg;
    int rc;
    char ctl[24], type[16];
} bld;

static void seg(bld *b, const char *name)
{
    if (b->rc != HL7_OK) return;
    b->seg = hl7_segment_append(b->m, name);
    if (b->seg < 0) b->rc = (int)b->seg;
}

static void put(bld *b, int field, int rep, int comp, int sub, const char *v)
{
    if (b->rc != HL7_OK || !v || !*v) return;
    b->rc = hl7_seg_set(b->m, (size_t)b->seg, field, rep, comp, sub, v);
}

static void msh(bld *b, hl7feed_t *f, const hl7s_destination *d, const char *type, const char *event,
                const char *structure, const char *version)
{
    char now[20];
    b->m = hl7_message_new(NULL);
    b->seg = 0;
    b->rc = b->m ? HL7_OK : HL7_E_NOMEM;
    b->ctl[0] = 0;
    if (b->rc == HL7_OK && rand_hex(b->ctl, 10) != 0) b->rc = HL7_E_IO;
    snprintf(b->type, sizeof b->type, "%s^%s", type, event);
    const char *ctl = b->ctl;
    put(b, 3, 1, 0, 0, f->app);
    put(b, 4, 1, 0, 0, f->facility);
    put(b, 5, 1, 0, 0, d->receiving_application);
    put(b, 6, 1, 0, 0, d->receiving_facility);
    put(b, 7, 1, 0, 0, hl7_now_dtm(now, sizeof now));
    put(b, 9, 1, 1, 0, type);
    put(b, 9, 1, 2, 0, event);
    put(b, 9, 1, 3, 0, structure);
    put(b, 10, 1, 0, 0, ctl);
    put(b, 11, 1, 0, 0, "P");
    put(b, 12, 1, 0, 0, version);
    put(b, 17, 1, 0, 0, "FRA");
    put(b, 18, 1, 0, 0, "UNICODE UTF-8");
}

const char *feed_reliability(const char *rniv)
{
    if (strcmp(rniv, "qualifiee") == 0 || strcmp(rniv, "validee") == 0) return "VALI";
    return "PROV";
}

bool feed_ins_emittable(const hl7feed_t *f, const hl7s_identity *r)
{
    ins_identity id;
    memset(&id, 0, sizeof id);
    feed_copy(id.matricule, sizeof id.matricule, r->ins_matricule);
    feed_copy(id.oid, sizeof id.oid, r->ins_oid);
    id.status = strcmp(r->rniv_status, "qualifiee") == 0 ? INS_STATUS_QUAL : INS_STATUS_PROV;
    return ins_may_emit(&id, &f->policy);
}

static void pv1(bld *b)
{
    seg(b, "PV1");
    put(b, 1, 1, 0, 0, "1");
    put(b, 2, 1, 0, 0, "O");
}

/* PID of a patient: IPP, the INS only when ins_may_emit() allows it, names, birth data. */
static store_status pid(bld *b, hl7feed_t *f, store_conn_t *c, int64_t patient_id, bool with_pv1)
{
    char ipp[32];
    store_status st = hl7s_patient_ipp(c, patient_id, ipp, sizeof ipp);
    if (st != STORE_OK) return st;
    hl7s_identity r;
    st = hl7s_identity_by_patient(c, patient_id, &r);
    if (st != STORE_OK) return st;
    const char *ipp_oid = config_get(f->cfg, "identity", "ipp_oid");
    seg(b, "PID");
    put(b, 1, 1, 0, 0, "1");
    put(b, 3, 1, 1, 0, ipp);
    put(b, 3, 1, 4, 1, f->app);
    put(b, 3, 1, 4, 2, ipp_oid);
    put(b, 3, 1, 4, 3, "ISO");
    put(b, 3, 1, 5, 0, "PI");
    if (feed_ins_emittable(f, &r)) {
        put(b, 3, 2, 1, 0, r.ins_matricule);
        put(b, 3, 2, 4, 1, strcmp(r.ins_oid, INS_OID_NIA) == 0 ? "ASIP-SANTE-INS-NIA" : "ASIP-SANTE-INS-NIR");
        put(b, 3, 2, 4, 2, r.ins_oid);
        put(b, 3, 2, 4, 3, "ISO");
        put(b, 3, 2, 5, 0, "INS");
    }
    put(b, 5, 1, 1, 0, r.birth_name);
    put(b, 5, 1, 2, 0, r.first_given_name);
    put(b, 5, 1, 3, 0, r.given_names);
    put(b, 5, 1, 7, 0, "L");
    if (r.used_name[0]) {
        put(b, 5, 2, 1, 0, r.used_name);
        put(b, 5, 2, 2, 0, r.used_given_name[0] ? r.used_given_name : r.first_given_name);
        put(b, 5, 2, 7, 0, "D");
    }
    char dob[16];
    snprintf(dob, sizeof dob, "%.4s%.2s%.2s", r.birth_date, r.birth_date + 5, r.birth_date + 8);
    put(b, 7, 1, 0, 0, dob);
    put(b, 8, 1, 0, 0, strcmp(r.sex, "I") == 0 ? "U" : r.sex);
    if (r.birth_cog[0]) {
        put(b, 11, 1, 7, 0, "BDL");
        put(b, 11, 1, 9, 0, r.birth_cog);
    }
    put(b, 32, 1, 0, 0, feed_reliability(r.rniv_status));
    if (with_pv1) pv1(b);
    return STORE_OK;
}

store_status feed_enqueue_message(hl7feed_t *f, store_conn_t *c, int64_t dest_id, const char *message, size_t len,
                                  const char *message_type, const char *control_id, const char *dedup_key)
{
    json_t *p = json_pack("{s:I,s:s%}", "destination_id", (json_int_t)dest_id, "message", message, len);
    char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    if (!text) return STORE_ERROR;
    int64_t id;
    store_status st = store_outbox_enqueue(c, "hl7", text, dedup_key, time_now_ms(), &id);
    free(text);
    if (st == STORE_OK) st = hl7s_outbound_link(c, id, dest_id, message_type, control_id);
    if (st == STORE_OK) __atomic_add_fetch(&f->enqueued, 1, __ATOMIC_RELAXED);
    return st;
}

/* Serializes the built message (UTF-8) and enqueues it for d; frees the message. */
static store_status enqueue(hl7feed_t *f, store_conn_t *c, bld *b, const hl7s_destination *d)
{
    if (b->rc != HL7_OK) {
        hl7_message_free(b->m);
        return STORE_ERROR;
    }
    buf_t out = BUF_INIT;
    hl7_error herr;
    int rc = hl7_serialize(b->m, NULL, &out, &herr);
    hl7_message_free(b->m);
    b->m = NULL;
    store_status st = rc == HL7_OK ? feed_enqueue_message(f, c, d->id, out.data, out.len, b->type, b->ctl, NULL)
                                   : STORE_ERROR;
    buf_free(&out);
    return st;
}

static const char *order_status_code(const char *status)
{
    if (strcmp(status, "in_progress") == 0) return "IP";
    if (strcmp(status, "completed") == 0) return "CM";
    if (strcmp(status, "cancelled") == 0) return "CA";
    if (strcmp(status, "discontinued") == 0) return "DC";
    return "SC";
}

/* What an order message needs, read once for every destination. */
typedef struct {
    int64_t order_id, patient_id;
    char placer[32], status[16], prio[16], filler[32];
    hl7s_procedure *procs;
    size_t n;
} order_data;

static void order_message(bld *b, hl7feed_t *f, const hl7s_destination *d, const order_data *o, const char *control)
{
    bool omi = strcmp(d->flavour, "orm") != 0;
    const char *tq_prio = strcmp(o->prio, "stat") == 0 ? "S" : strcmp(o->prio, "urgent") == 0 ? "A" : "R";
    for (size_t i = 0; i < o->n; i++) {
        const hl7s_procedure *p = &o->procs[i];
        char start[20], rp_id[24];
        feed_iso_to_dtm(p->start_at, start, sizeof start);
        snprintf(rp_id, sizeof rp_id, "%lld", (long long)p->procedure_id);
        seg(b, "ORC");
        put(b, 1, 1, 0, 0, control);
        put(b, 2, 1, 1, 0, o->placer);
        put(b, 3, 1, 1, 0, o->filler);
        put(b, 3, 1, 2, 0, f->app);
        put(b, 5, 1, 0, 0, order_status_code(p->status));
        if (!omi) {
            put(b, 7, 1, 4, 0, start);
            put(b, 7, 1, 6, 0, tq_prio);
        } else {
            seg(b, "TQ1");
            put(b, 1, 1, 0, 0, "1");
            put(b, 7, 1, 0, 0, start);
            put(b, 9, 1, 0, 0, tq_prio);
        }
        seg(b, "OBR");
        put(b, 1, 1, 0, 0, "1");
        put(b, 2, 1, 1, 0, o->placer);
        put(b, 3, 1, 1, 0, o->filler);
        put(b, 3, 1, 2, 0, f->app);
        put(b, 4, 1, 1, 0, p->ccam_code);
        put(b, 4, 1, 2, 0, p->exam_label);
        put(b, 4, 1, 3, 0, "CCAM");
        if (omi) {
            seg(b, "IPC");
            put(b, 1, 1, 1, 0, p->accession_number);
            put(b, 2, 1, 1, 0, rp_id);
            put(b, 3, 1, 1, 0, p->study_instance_uid);
            put(b, 4, 1, 1, 0, p->sps_id);
            put(b, 5, 1, 0, 0, p->modality);
            if (p->ae_title[0]) put(b, 9, 1, 0, 0, p->ae_title);
        } else {
            put(b, 18, 1, 0, 0, p->accession_number);
            put(b, 19, 1, 0, 0, rp_id);
            put(b, 20, 1, 0, 0, p->sps_id);
            put(b, 24, 1, 0, 0, p->modality);
            put(b, 27, 1, 4, 0, start);
            put(b, 27, 1, 6, 0, tq_prio);
            seg(b, "ZDS");
            put(b, 1, 1, 1, 0, p->study_instance_uid);
            put(b, 1, 1, 3, 0, "Application");
            put(b, 1, 1, 4, 0, "DICOM");
        }
    }
}

static store_status order_load(store_conn_t *c, int64_t order_id, order_data *o)
{
    memset(o, 0, sizeof *o);
    o->order_id = order_id;
    json_t *order = NULL;
    store_status st = store_resource_get(c, model_resource_find("orders"), order_id, &order);
    if (st != STORE_OK) return st;
    o->patient_id = json_integer_value(json_object_get(order, "patient_id"));
    feed_copy(o->placer, sizeof o->placer, json_string_value(json_object_get(order, "placer_number")) ?: "");
    feed_copy(o->status, sizeof o->status, json_string_value(json_object_get(order, "status")) ?: "scheduled");
    feed_copy(o->prio, sizeof o->prio, json_string_value(json_object_get(order, "priority")) ?: "routine");
    snprintf(o->filler, sizeof o->filler, "%lld", (long long)order_id);
    json_decref(order);
    return hl7s_order_procedures(c, order_id, &o->procs, &o->n);
}

store_status hl7feed_enqueue_order(hl7feed_t *f, store_conn_t *c, int64_t order_id, const char *control)
{
    hl7s_destination *dests = NULL;
    size_t nd = 0;
    store_status st = hl7s_destination_list(c, HL7S_ORDERS, true, &dests, &nd);
    if (st != STORE_OK || nd == 0) {
        free(dests);
        return st;
    }
    order_data o;
    st = order_load(c, order_id, &o);
    for (size_t i = 0; st == STORE_OK && i < nd; i++) {
        bld b;
        if (strcmp(dests[i].flavour, "orm") != 0) msh(&b, f, &dests[i], "OMI", "O23", "OMI_O23", "2.5.1");
        else msh(&b, f, &dests[i], "ORM", "O01", "ORM_O01", "2.3.1");
        st = pid(&b, f, c, o.patient_id, true);
        if (st != STORE_OK) {
            hl7_message_free(b.m);
            break;
        }
        order_message(&b, f, &dests[i], &o, control);
        st = enqueue(f, c, &b, &dests[i]);
    }
    free(o.procs);
    free(dests);
    return st;
}

store_status hl7feed_enqueue_patient(hl7feed_t *f, store_conn_t *c, int64_t patient_id, const char *merged_ipp)
{
    hl7s_destination *dests = NULL;
    size_t nd = 0;
    store_status st = hl7s_destination_list(c, HL7S_PATIENTS, true, &dests, &nd);
    for (size_t i = 0; st == STORE_OK && i < nd; i++) {
        bld b;
        msh(&b, f, &dests[i], "ADT", merged_ipp ? "A40" : "A08", merged_ipp ? "ADT_A39" : "ADT_A01", "2.5");
        char now[20];
        seg(&b, "EVN");
        put(&b, 2, 1, 0, 0, hl7_now_dtm(now, sizeof now));
        st = pid(&b, f, c, patient_id, merged_ipp == NULL);
        if (st != STORE_OK) {
            hl7_message_free(b.m);
            break;
        }
        if (merged_ipp) {
            /* ADT_A39: MSH EVN PID [PD1] MRG [PV1] */
            seg(&b, "MRG");
            put(&b, 1, 1, 1, 0, merged_ipp);
            put(&b, 1, 1, 4, 1, f->app);
            put(&b, 1, 1, 5, 0, "PI");
            pv1(&b);
        }
        st = enqueue(f, c, &b, &dests[i]);
    }
    free(dests);
    return st;
}
