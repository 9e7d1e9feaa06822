/* The demo data tables (internal to the demo module). All people are fictional. */
#ifndef COULOIR_DEMO_DEMO_DATA_H
#define COULOIR_DEMO_DEMO_DATA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *ccam;        /* CCAM code (sources in docs/data-model.md) */
    const char *label;       /* CCAM label */
    const char *loinc;       /* LOINC (radiology playbook) */
    const char *modality;    /* DICOM modality type */
    const char *region;      /* DICOM Body Part Examined */
    int minutes;
    bool female_only;
} demo_exam;

typedef struct {
    const char *name;        /* room name */
    const char *kind;        /* room kind enum */
    const char *ae_title;    /* main modality */
    const char *modality;
    const char *station;
    const char *ae_title2;   /* optional second modality in the same room (NULL) */
    const char *modality2;
} demo_room;

typedef struct {
    const char *rpps;
    const char *last_name;
    const char *first_name;
    const char *specialty;
    const char *mssante;
    const char *phone;
} demo_correspondent;

typedef struct {
    const char *birth_name;
    const char *used_name;    /* NULL when same as birth name */
    const char *given_names;  /* all birth given names; the first is the first given name */
    char sex;                 /* 'M' or 'F' */
    const char *birth_date;
    const char *birth_cog;    /* INSEE commune code, NULL when born abroad */
    const char *birth_country;/* INSEE country code (99 + 3 digits) when born abroad, else NULL */
    const char *rniv;         /* provisoire, recuperee, validee, qualifiee */
    const char *document;     /* identity document checked, or NULL */
    bool douteuse, fictive, homonyme;
} demo_patient;

extern const demo_exam demo_exams[];
extern const size_t demo_exams_count;
extern const demo_room demo_rooms[];
extern const size_t demo_rooms_count;
extern const demo_correspondent demo_correspondents[];
extern const size_t demo_correspondents_count;
extern const demo_patient demo_patients[];
extern const size_t demo_patients_count;
extern const char *const demo_reasons[];
extern const size_t demo_reasons_count;

#endif
