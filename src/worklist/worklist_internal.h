/* Internal to src/worklist. */
#ifndef COULOIR_WORKLIST_WORKLIST_INTERNAL_H
#define COULOIR_WORKLIST_WORKLIST_INTERNAL_H

#include "worklist/worklist.h"

#define WL_LOG "worklist"

struct worklist_adapter {
    store_t *st;
    ins_policy policy;
    char ae_title[17];
    bool accept_any_calling_ae;
    char ipp_issuer_oid[65];
    char accession_issuer_oid[65];
    char uid_root[65];
};

#endif
