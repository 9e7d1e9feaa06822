/* PID -> patient and identity through the identity-vigilance rules (ins_feed_apply). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "hl7feed/hl7feed_internal.h"

static const char *const rniv_codes[] = {"provisoire", "recuperee", "validee", "qualifiee"};

static ins_status status_from_db(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, rniv_codes[i]) == 0) return (ins_status)i;
    return INS_STATUS_PROV;
}

static void identity_from_row(const hl7s_identity *r, ins_identity *id)
{
    memset(id, 0, sizeof *id);
    feed_copy(id->traits.birth_name, sizeof id->traits.birth_name, r->birth_name);
    feed_copy(id->traits.birth_given_names, sizeof id->traits.birth_given_names, r->given_names);
    feed_copy(id->traits.first_given_name, sizeof id->traits.first_given_name, r->first_given_name);
    feed_copy(id->traits.birth_date, sizeof id->traits.birth_date, r->birth_date);
    feed_copy(id->traits.sex, sizeof id->traits.sex, r->sex);
    feed_copy(id->traits.birth_place, sizeof id->traits.birth_place, r->birth_cog);
    feed_copy(id->traits.used_name, sizeof id->traits.used_name, r->used_name);
    feed_copy(id->traits.used_given_name, sizeof id->traits.used_given_name, r->used_given_name);
    feed_copy(id->matricule, sizeof id->matricule, r->ins_matricule);
    feed_copy(id->oid, sizeof id->oid, r->ins_oid);
    id->status = status_from_db(r->rniv_status);
    id->attributes = (r->douteuse ? INS_ATTR_DOUTEUSE : 0) | (r->fictive ? INS_ATTR_FICTIVE : 0) |
                     (r->homonyme ? INS_ATTR_HOMONYME : 0);
    /* the store keeps the status, not its provenance: récupérée/qualifiée come from INSi */
    id->from_insi = id->status == INS_STATUS_RECUP || id->status == INS_STATUS_QUAL;
    id->verified = id->status == INS_STATUS_VALI || id->status == INS_STATUS_QUAL;
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* The identity columns written from an ins_identity. */
static json_t *identity_json(const ins_identity *id)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "birth_name", json_string(id->traits.birth_name));
    json_object_set_new(o, "used_name", str_or_null(id->traits.used_name));
    json_object_set_new(o, "first_given_name", json_string(id->traits.first_given_name));
    json_object_set_new(o, "given_names", str_or_null(id->traits.birth_given_names));
    json_object_set_new(o, "used_given_name", str_or_null(id->traits.used_given_name));
    json_object_set_new(o, "birth_date", json_string(id->traits.birth_date));
    json_object_set_new(o, "sex", json_string(id->traits.sex));
    json_object_set_new(o, "birth_cog", str_or_null(id->traits.birth_place));
    json_object_set_new(o, "ins_matricule", str_or_null(id->matricule));
    json_object_set_new(o, "ins_oid", str_or_null(id->oid));
    json_object_set_new(o, "rniv_status", json_string(rniv_codes[id->status]));
    json_object_set_new(o, "douteuse", json_boolean(id->attributes & INS_ATTR_DOUTEUSE));
    json_object_set_new(o, "fictive", json_boolean(id->attributes & INS_ATTR_FICTIVE));
    return o;
}

static bool identity_equal(const ins_identity *a, const ins_identity *b)
{
    return memcmp(&a->traits, &b->traits, sizeof a->traits) == 0 && strcmp(a->matricule, b->matricule) == 0 &&
           strcmp(a->oid, b->oid) == 0 && a->status == b->status &&
           (a->attributes & (INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE)) ==
               (b->attributes & (INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE));
}

/* A name component in the RNIV form; false when it cannot be written so. */
static bool rniv_name(const hl7_message *m, const char *path, char *out, size_t n)
{
    char raw[256];
    feed_getn(m, path, raw, sizeof raw);
    if (!raw[0]) {
        out[0] = 0;
        return true;
    }
    return ins_name_to_rniv(raw, out, n) == 0;
}

static const char *trait_location(unsigned trait)
{
    switch (trait) {
    case INS_TRAIT_BIRTH_DATE: return "PID-7";
    case INS_TRAIT_SEX: return "PID-8";
    case INS_TRAIT_BIRTH_PLACE: return "PID-11";
    case INS_TRAIT_MATRICULE:
    case INS_TRAIT_OID: return "PID-3";
    default: return "PID-5";
    }
}

/* Reads the PID into `in` and the IPP. false with *o set (AE) when unusable. */
static bool read_pid(const hl7_message *m, ins_feed_identity *in, char *ipp, size_t ipp_len, hl7feed_outcome *o)
{
    char path[48], type[16];
    ipp[0] = 0;
    int n3 = hl7_rep_count(m, "PID-3");
    for (int r = 1; r <= n3; r++) {
        snprintf(path, sizeof path, "PID-3[%d].5", r);
        feed_getn(m, path, type, sizeof type);
        if (strcmp(type, "INS") == 0 || strncmp(type, "INS-", 4) == 0) {
            snprintf(path, sizeof path, "PID-3[%d].1", r);
            feed_getn(m, path, in->matricule, sizeof in->matricule);
            snprintf(path, sizeof path, "PID-3[%d].4.2", r);
            feed_getn(m, path, in->oid, sizeof in->oid);
        } else if (!ipp[0] && (strcmp(type, "PI") == 0 || type[0] == 0)) {
            snprintf(path, sizeof path, "PID-3[%d].1", r);
            feed_getn(m, path, ipp, ipp_len);
        }
    }
    if (!ipp[0]) {
        feed_outcome(o, HL7_ACK_AE, HL7_ERR_REQUIRED_FIELD, "PID-3",
                     "Identifiant patient local (IPP, PID-3 de type PI) absent");
        return false;
    }
    if (strlen(ipp) > 20) {
        feed_outcome(o, HL7_ACK_AE, HL7_ERR_VALUE_TOO_LONG, "PID-3", "IPP trop long (20 caractères au plus)");
        return false;
    }
    int n5 = hl7_rep_count(m, "PID-5");
    int birth = 0, used = 0;
    for (int r = 1; r <= n5; r++) {
        snprintf(path, sizeof path, "PID-5[%d].7", r);
        feed_getn(m, path, type, sizeof type);
        if (strcmp(type, "L") == 0 && !birth) birth = r;
        else if (strcmp(type, "D") == 0 && !used) used = r;
    }
    if (!birth && n5 >= 1 && used != 1) birth = 1;
    bool ok = true;
    ins_traits *t = &in->traits;
    if (birth) {
        snprintf(path, sizeof path, "PID-5[%d].1.1", birth);
        ok = ok && rniv_name(m, path, t->birth_name, sizeof t->birth_name);
        snprintf(path, sizeof path, "PID-5[%d].2", birth);
        ok = ok && rniv_name(m, path, t->first_given_name, sizeof t->first_given_name);
        snprintf(path, sizeof path, "PID-5[%d].3", birth);
        ok = ok && rniv_name(m, path, t->birth_given_names, sizeof t->birth_given_names);
    }
    if (used) {
        snprintf(path, sizeof path, "PID-5[%d].1.1", used);
        ok = ok && rniv_name(m, path, t->used_name, sizeof t->used_name);
        snprintf(path, sizeof path, "PID-5[%d].2", used);
        ok = ok && rniv_name(m, path, t->used_given_name, sizeof t->used_given_name);
    }
    if (!ok) {
        feed_outcome(o, HL7_ACK_AE, HL7_ERR_DATA_TYPE, "PID-5",
                     "Nom ou prénom contenant des caractères non admis par le RNIV");
        return false;
    }
    if (!t->birth_given_names[0]) feed_copy(t->birth_given_names, sizeof t->birth_given_names, t->first_given_name);
    char dob[32];
    feed_getn(m, "PID-7.1", dob, sizeof dob);
    if (strlen(dob) >= 8)
        snprintf(t->birth_date, sizeof t->birth_date, "%.4s-%.2s-%.2s", dob, dob + 4, dob + 6);
    char sex[8];
    feed_getn(m, "PID-8", sex, sizeof sex);
    feed_copy(t->sex, sizeof t->sex, strcmp(sex, "M") == 0 ? "M" : strcmp(sex, "F") == 0 ? "F" : sex[0] ? "I" : "");
    int n11 = hl7_rep_count(m, "PID-11");
    for (int r = 1; r <= n11; r++) {
        snprintf(path, sizeof path, "PID-11[%d].7", r);
        feed_getn(m, path, type, sizeof type);
        if (strcmp(type, "BDL") == 0) {
            snprintf(path, sizeof path, "PID-11[%d].9", r);
            feed_getn(m, path, t->birth_place, sizeof t->birth_place);
        }
    }
    feed_getn(m, "PID-32[1].1", in->reliability, sizeof in->reliability);
    return true;
}

store_status feed_patient_upsert(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *sender,
                                 int64_t inbox_id, int64_t *patient_id, bool *changed, hl7feed_outcome *o)
{
    *changed = false;
    *patient_id = 0;
    ins_feed_identity in;
    memset(&in, 0, sizeof in);
    char ipp[64];
    if (!read_pid(m, &in, ipp, sizeof ipp, o)) return STORE_OK;
    char actor[80];
    snprintf(actor, sizeof actor, "hl7:%s", sender);
    in.sender = actor;
    in.same_domain = feed_sender_in(f->domain_senders, sender);
    in.trusted_sender = feed_sender_in(f->trusted_senders, sender);
    ins_actor who = {actor, time_now_unix()};

    int64_t pid = 0, merged = 0;
    store_status st = hl7s_patient_by_ipp(c, ipp, &pid, &merged);
    if (st != STORE_OK && st != STORE_NOT_FOUND) return st;
    bool existing = st == STORE_OK;
    while (existing && merged > 0) { /* a merged IPP keeps working: follow to the survivor */
        pid = merged;
        char dummy[32];
        st = hl7s_patient_ipp(c, pid, dummy, sizeof dummy);
        if (st != STORE_OK) return st;
        int64_t p2;
        st = hl7s_patient_by_ipp(c, dummy, &p2, &merged);
        if (st != STORE_OK) return st;
    }
    hl7s_identity row;
    ins_identity before, id;
    memset(&before, 0, sizeof before);
    if (existing) {
        st = hl7s_identity_by_patient(c, pid, &row);
        if (st == STORE_NOT_FOUND) existing = false; /* a patient row without identity: create it */
        else if (st != STORE_OK) return st;
        else identity_from_row(&row, &before);
    }
    /* PID-11 without a BDL repetition: the birthplace already known, else "unknown" (99999) */
    if (!in.traits.birth_place[0])
        feed_copy(in.traits.birth_place, sizeof in.traits.birth_place,
                  existing && before.traits.birth_place[0] ? before.traits.birth_place : INS_UNKNOWN_BIRTH_PLACE);
    id = before;
    ins_feed_decision dec;
    ins_history hist; /* entries not kept: the store records identity_history */
    hist.n = 0;
    hist.dropped = 0;
    ins_problems pb;
    if (ins_feed_apply(&f->policy, &id, existing, &in, &who, &dec, &hist, &pb) != 0) {
        const ins_problem *p = pb.n ? &pb.items[0] : NULL;
        feed_outcome(o, HL7_ACK_AE, HL7_ERR_REQUIRED_FIELD, p ? trait_location(p->trait) : "PID-5",
                     p ? p->message : "Identité incomplète ou invalide");
        return STORE_OK;
    }
    if (pid == 0) {
        json_t *pj = json_pack("{s:s}", "ipp", ipp);
        if (!pj) return STORE_ERROR;
        st = store_resource_insert(c, model_resource_find("patients"), pj, &pid);
        json_decref(pj);
        if (st != STORE_OK) return st;
    }
    if (!existing || !identity_equal(&before, &id)) {
        json_t *ij = identity_json(&id);
        if (!ij) return STORE_ERROR;
        if (!existing) {
            json_object_set_new(ij, "patient_id", json_integer(pid));
            int64_t iid;
            st = store_resource_insert(c, model_resource_find("identities"), ij, &iid);
        } else {
            st = store_resource_update(c, model_resource_find("identities"), row.id, ij);
        }
        json_decref(ij);
        if (st != STORE_OK) return st;
        *changed = true;
    }
    if (dec.note[0] || dec.needs_verification) {
        json_t *inc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "birth_name", in.traits.birth_name,
                                "first_given_name", in.traits.first_given_name, "birth_date", in.traits.birth_date,
                                "sex", in.traits.sex, "birth_cog", in.traits.birth_place, "ins_matricule",
                                in.matricule, "ins_oid", in.oid, "reliability", in.reliability);
        char *txt = inc ? json_dumps(inc, JSON_COMPACT) : NULL;
        st = hl7s_review_add(c, pid, inbox_id, dec.note[0] ? dec.note : "Vérification INSi requise", txt);
        free(txt);
        json_decref(inc);
        if (st != STORE_OK) return st;
    }
    *patient_id = pid;
    feed_outcome(o, HL7_ACK_AA, 0, NULL, NULL);
    return STORE_OK;
}
