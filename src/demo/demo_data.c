/* Demo data tables. CCAM codes and labels are real acts of the CCAM (see docs/data-model.md
 * for the public sources consulted); LOINC codes are from the LOINC/RSNA radiology playbook.
 * People, RPPS numbers (Luhn-valid but fictional) and addresses are invented. */
#include "demo/demo_data.h"

#include "demo/demo.h"

const demo_exam demo_exams[] = {
    /* scanner */
    {"ACQK001", "Scanographie du crâne et de son contenu, sans injection de produit de contraste", "30799-1", "CT",
     "HEAD", 15, false},
    {"ACQH003", "Scanographie du crâne et de son contenu, avec injection intraveineuse de produit de contraste",
     "24727-0", "CT", "HEAD", 20, false},
    {"ZBQK001", "Scanographie du thorax, sans injection de produit de contraste", "29252-4", "CT", "CHEST", 15, false},
    {"ZBQH001", "Scanographie du thorax, avec injection intraveineuse de produit de contraste", "24628-0", "CT",
     "CHEST", 20, false},
    {"ZCQH001", "Scanographie de l'abdomen et du petit bassin, avec injection intraveineuse de produit de contraste",
     "36813-4", "CT", "ABDOMENPELVIS", 20, false},
    {"NZQK002", "Scanographie unilatérale ou bilatérale de segment du membre inférieur, sans injection de produit de "
                "contraste",
     "24690-0", "CT", "LEG", 15, false},
    {"MZQK002", "Scanographie unilatérale ou bilatérale de segment du membre supérieur, sans injection de produit de "
                "contraste",
     "24690-0", "CT", "ARM", 15, false},
    /* IRM */
    {"ACQN001", "Remnographie [IRM] du crâne et de son contenu, sans injection de produit de contraste", "30657-1",
     "MR", "HEAD", 30, false},
    {"ACQJ002", "Remnographie [IRM] du crâne et de son contenu, avec injection de produit de contraste", "24587-8",
     "MR", "HEAD", 40, false},
    {"LHQN001", "Remnographie [IRM] d'un ou deux segments de la colonne vertébrale, sans injection de produit de "
                "contraste",
     "30679-5", "MR", "LSPINE", 30, false},
    {"NZQN001", "Remnographie [IRM] unilatérale ou bilatérale de segment du membre inférieur, sans injection de "
                "produit de contraste",
     "30691-0", "MR", "KNEE", 30, false},
    {"MZQN001", "Remnographie [IRM] unilatérale ou bilatérale de segment du membre supérieur, sans injection de "
                "produit de contraste",
     "30693-6", "MR", "SHOULDER", 30, false},
    {"ZCQN001", "Remnographie [IRM] de l'abdomen et du petit bassin, sans injection de produit de contraste", "24556-3",
     "MR", "ABDOMENPELVIS", 40, false},
    /* radiologie */
    {"ZBQK002", "Radiographie du thorax", "36643-5", "DX", "CHEST", 10, false},
    {"ZCQK002", "Radiographie de l'abdomen sans préparation", "24799-9", "DX", "ABDOMEN", 10, false},
    /* échographie */
    {"ZCQM008", "Échographie transcutanée de l'abdomen", "24558-9", "US", "ABDOMEN", 20, false},
    {"ZCQM003", "Échographie transcutanée du petit bassin [pelvis] féminin", "24869-0", "US", "PELVIS", 20, true},
    {"JAQM003", "Échographie transcutanée unilatérale ou bilatérale du rein et de la région lombale", "24531-6", "US",
     "KIDNEY", 20, false},
    /* mammographie */
    {"QEQK004", "Mammographie de dépistage", "24606-6", "MG", "BREAST", 15, true},
    {"QEQK001", "Mammographie bilatérale", "24605-8", "MG", "BREAST", 15, true},
};
const size_t demo_exams_count = sizeof demo_exams / sizeof demo_exams[0];

const demo_room demo_rooms[] = {
    {"Scanner 1", "scanner", "CT_SCANNER1", "CT", "SCANNER1", NULL, NULL},
    {"IRM 1", "irm", "MR_IRM1", "MR", "IRM1", NULL, NULL},
    {"Radiologie 1", "radiologie", "DX_RADIO1", "DX", "RADIO1", "CR_RADIO1", "CR"},
    {"Échographie 1", "echographie", "US_ECHO1", "US", "ECHO1", NULL, NULL},
    {"Mammographie", "mammographie", "MG_MAMMO1", "MG", "MAMMO1", NULL, NULL},
};
const size_t demo_rooms_count = sizeof demo_rooms / sizeof demo_rooms[0];

const demo_correspondent demo_correspondents[] = {
    {"10002314572", "Lemoine", "Hélène", "Médecine générale", "helene.lemoine@medecin.mssante.fr", "01 43 55 12 01"},
    {"10003188421", "Benali", "Karim", "Médecine générale", "karim.benali@medecin.mssante.fr", "01 43 55 12 02"},
    {"10004277652", "Fontaine", "Anne-Sophie", "Rhumatologie", "annesophie.fontaine@medecin.mssante.fr",
     "01 43 55 12 03"},
    {"10005199384", "Nguyen", "Paul", "Pneumologie", "paul.nguyen@medecin.mssante.fr", "01 43 55 12 04"},
    {"10006027147", "Garnier", "Élise", "Gynécologie médicale", "elise.garnier@medecin.mssante.fr", "01 43 55 12 05"},
    {"10007866519", "Rousseau", "Mathieu", "Neurologie", "mathieu.rousseau@medecin.mssante.fr", "01 43 55 12 06"},
    {"10008933276", "Da Silva", "Inès", "Gastro-entérologie", "ines.dasilva@medecin.mssante.fr", "01 43 55 12 07"},
    {"10009755082", "Perrin", "Joël", "Médecine du sport", "joel.perrin@medecin.mssante.fr", "01 43 55 12 08"},
};
const size_t demo_correspondents_count = sizeof demo_correspondents / sizeof demo_correspondents[0];

/* Identity statuses: provisoire (nothing checked), validee (document checked, no INS),
 * recuperee (INS returned by INSi, document not checked), qualifiee (both). Identities with an
 * INS carry the traits as INSi returns them: upper case without diacritics (the INS datamatrix
 * and the CDA need that alphabet); the others keep the spelling typed at the front desk. */
const demo_patient demo_patients[] = {
    {"MARTIN", NULL, "LEA MARIE", 'F', "1984-03-12", "75111", NULL, "qualifiee", "carte_identite", false, false, false},
    {"BERNARD", NULL, "LUCAS PIERRE", 'M', "1979-07-04", "69381", NULL, "qualifiee", "passeport", false, false, false},
    {"DUBOIS", "LEROY", "CAMILLE ANNE", 'F', "1962-11-23", "33063", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"THOMAS", NULL, "HUGO", 'M', "1991-01-30", "44109", NULL, "recuperee", NULL, false, false, false},
    {"ROBERT", NULL, "Chloé Émilie", 'F', "1955-05-18", "31555", NULL, "validee", "passeport", false, false, false},
    {"RICHARD", NULL, "LOUIS HENRI", 'M', "1948-09-02", "67482", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"PETIT", "GIRAUD", "MANON CLAIRE", 'F', "1970-12-14", "35238", NULL, "recuperee", NULL, false, false, false},
    {"DURAND", NULL, "Gabriel", 'M', "2003-06-21", "34172", NULL, "provisoire", NULL, false, false, false},
    {"LEFEVRE", NULL, "ELODIE JEANNE", 'F', "1988-02-08", "59350", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"MOREAU", NULL, "Jules Antoine", 'M', "1975-10-10", "06088", NULL, "validee", "carte_identite", false, false,
     false},
    {"SIMON", "FAURE", "INES", 'F', "1966-04-27", "13205", NULL, "qualifiee", "passeport", false, false, false},
    {"LAURENT", NULL, "ARTHUR PAUL", 'M', "1959-08-16", "2A004", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"MICHEL", NULL, "JADE", 'F', "1999-03-03", "75115", NULL, "recuperee", NULL, false, false, false},
    {"GARCIA", NULL, "RAPHAEL JOSE", 'M', "1983-12-01", NULL, "99134", "qualifiee", "titre_sejour", false, false,
     false},
    {"DAVID", NULL, "Louise Marthe", 'F', "1941-07-19", "69123", NULL, "validee", "livret_famille", false, false,
     false},
    {"BERTRAND", NULL, "Adam", 'M', "2010-05-05", "31555", NULL, "provisoire", NULL, false, false, false},
    {"ROUX", "MERCIER", "ALICE SOPHIE", 'F', "1973-09-29", "33063", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"VINCENT", NULL, "MAEL", 'M', "1995-11-11", "35238", NULL, "recuperee", NULL, false, false, false},
    {"FOURNIER", NULL, "Lina Rose", 'F', "1986-06-06", "44109", NULL, "validee", "carte_identite", false, false,
     false},
    {"MOREL", NULL, "LEO MARCEL", 'M', "1952-02-14", "59350", NULL, "qualifiee", "passeport", false, false, false},
    {"GIRARD", NULL, "Mila", 'F', "2015-08-08", "13201", NULL, "provisoire", NULL, false, false, false},
    {"ANDRE", NULL, "NATHAN OLIVIER", 'M', "1968-03-25", "67482", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"MERCIER", NULL, "ROSE HELENE", 'F', "1958-10-30", "75111", NULL, "recuperee", NULL, false, false, false},
    {"BOYER", NULL, "Tom", 'M', "1990-04-04", NULL, "99350", "validee", "titre_sejour", false, false, false},
    {"BLANC", NULL, "ANNA LUCIE", 'F', "1977-01-17", "06088", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"GUERIN", NULL, "Paul", 'M', "1981-07-07", "34172", NULL, "provisoire", NULL, true, false, false},
    {"MULLER", "SCHMITT", "AMBRE JULIA", 'F', "1964-12-24", "67482", NULL, "qualifiee", "passeport", false, false,
     false},
    {"HENRY", NULL, "SACHA", 'M', "2001-09-09", "69382", NULL, "recuperee", NULL, false, false, false},
    {"ROUSSEL", NULL, "Julia", 'F', "1993-05-31", "44109", NULL, "validee", "carte_identite", false, false, false},
    {"NICOLAS", NULL, "VICTOR EMILE", 'M', "1945-11-02", "75107", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"PERRIN", NULL, "Zoé", 'F', "1997-02-28", "35238", NULL, "provisoire", NULL, false, false, false},
    {"MOREAU", NULL, "Jules", 'M', "1975-10-10", "13204", NULL, "provisoire", NULL, false, false, true},
    {"MOREAU", NULL, "Jules Antoine", 'M', "1975-10-10", "06088", NULL, "provisoire", NULL, false, false, true},
    {"FRANCOIS", NULL, "MARGAUX ALIX", 'F', "1969-06-15", "59350", NULL, "qualifiee", "carte_identite", false, false,
     false},
    {"DUPONT", NULL, "Jean", 'M', "1900-01-01", NULL, NULL, "provisoire", NULL, false, true, false},
    {"LEGRAND", "COLIN", "SARAH NADIA", 'F', "1980-08-20", NULL, "99352", "qualifiee", "titre_sejour", false, false,
     false},
    {"GAUTHIER", NULL, "ETHAN", 'M', "1987-03-09", "2B033", NULL, "recuperee", NULL, false, false, false},
    {"MASSON", NULL, "Romane Eva", 'F', "1961-04-12", "31555", NULL, "validee", "passeport", false, false, false},
    {"CHEVALIER", NULL, "Noah", 'M', "2008-12-12", "33063", NULL, "provisoire", NULL, false, false, false},
    {"N'GUESSAN", NULL, "Aya Grâce", 'F', "1985-01-26", NULL, "99326", "validee", "titre_sejour", false, false, false},
};
const size_t demo_patients_count = sizeof demo_patients / sizeof demo_patients[0];

const char *const demo_reasons[] = {
    "Céphalées persistantes depuis trois semaines",
    "Toux chronique, fumeur",
    "Douleur abdominale droite",
    "Gonalgie après entorse",
    "Lombalgie avec radiculalgie L5",
    "Bilan d'extension",
    "Contrôle à six mois",
    "Dépistage organisé",
    "Douleur de l'épaule droite",
    "Suspicion de colique néphrétique",
};
const size_t demo_reasons_count = sizeof demo_reasons / sizeof demo_reasons[0];

const demo_user demo_users[] = {
    {"accueil", "Claire Morel", "accueil", NULL, "Accueil-Demo-2026"},
    {"manip", "Thomas Girard", "manipulateur", NULL, "Manip-Demo-2026"},
    {"radio", "Dr Sophie Lambert", "radiologue", "10010422193", "Radio-Demo-2026"},
    {"admin", "Administrateur", "admin", NULL, "Admin-Demo-2026"},
    {NULL, NULL, NULL, NULL, NULL},
};
