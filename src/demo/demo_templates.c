/* Demo report templates (demo_templates.h): one per exam of the demo catalogue. Wording is a
 * plain standard layout a radiologist edits; codes: LOINC exam codes of the demo catalogue, SNOMED CT regions of
 * JDV_RegionAnatomique_CISIS (1.2.250.1.213.1.1.5.695), target sites of
 * JDV_LocalisationAnatomique_CISIS (1.2.250.1.213.1.1.5.694), CCAM acts of the catalogue. */
#include "demo/demo_templates.h"

#include <stdio.h>
#include <string.h>

#include "demo/demo_data.h"
#include "store/report_template_store.h"

/* The six sections; technique and conclusion are mandatory in every CR-IMG. */
#define SECTIONS(technique)                                                                                      \
    "\"sections\":["                                                                                             \
    "{\"key\":\"indication\",\"title\":\"Indication\",\"required\":true,\"default_text\":\"\"},"                 \
    "{\"key\":\"antecedents\",\"title\":\"Antécédents\",\"required\":false,\"default_text\":\"\"},"              \
    "{\"key\":\"technique\",\"title\":\"Technique\",\"required\":true,\"default_text\":\"" technique "\"},"      \
    "{\"key\":\"resultats\",\"title\":\"Résultats\",\"required\":true,\"default_text\":\"\"},"                   \
    "{\"key\":\"comparaison\",\"title\":\"Comparaison\",\"required\":false,\"default_text\":\"\"},"              \
    "{\"key\":\"conclusion\",\"title\":\"Conclusion\",\"required\":true,\"default_text\":\"\"}]"

/* One template tied to the exam of CCAM code `ccam`: its LOINC code and display, region (JDV
 * ...695), target site and display (JDV ...694), CCAM act and label, exposure ("optional" for
 * ionising modalities, "none" otherwise) and the default text of the technique section. */
#define TEMPLATE(ccam, code, label, modality, loinc, loinc_display, region, site, site_display, ccam_label,          \
                 exposure, technique)                                                                                \
    {ccam, code, label, modality,                                                                                    \
     "{\"code\":\"" code "\",\"label\":\"" label "\",\"revision\":1,\"modality\":\"" modality "\","                  \
     "\"exam_code\":{\"code\":\"" loinc "\",\"display\":\"" loinc_display "\"},\"region\":\"" region "\","           \
     "\"target_site\":{\"code\":\"" site "\",\"display\":\"" site_display "\"},"                                     \
     "\"ccam\":{\"code\":\"" ccam "\",\"display\":\"" ccam_label "\"},\"exposure\":\"" exposure "\","                \
     SECTIONS(technique) "}"}

const demo_template demo_templates[] = {
    /* scanner: ionising, exposure optional */
    TEMPLATE("ACQK001", "CT-CRANE", "Scanner cérébral", "CT",
             "30799-1", "TDM tête sans injection", "774007",
             "302548004", "tête entière",
             "Scanographie du crâne et de son contenu, sans injection de produit de contraste",
             "optional",
             "Acquisition hélicoïdale du crâne sans injection de produit de contraste."),
    TEMPLATE("ACQH003", "CT-CRANE-INJ", "Scanner cérébral avec injection", "CT",
             "24727-0", "TDM tête avec injection intraveineuse", "774007",
             "302548004", "tête entière",
             "Scanographie du crâne et de son contenu, avec injection intraveineuse de produit de contraste",
             "optional",
             "Acquisition hélicoïdale du crâne après injection intraveineuse de produit de contraste iodé."),
    TEMPLATE("ZBQK001", "CT-THORAX", "Scanner thoracique", "CT",
             "29252-4", "TDM thorax sans injection", "67734004",
             "302551006", "thorax entier",
             "Scanographie du thorax, sans injection de produit de contraste",
             "optional",
             "Acquisition hélicoïdale du thorax en inspiration profonde, sans injection de produit de contraste ; "
             "reconstructions en fenêtres parenchymateuse et médiastinale."),
    TEMPLATE("ZBQH001", "CT-THORAX-INJ", "Scanner thoracique avec injection", "CT",
             "24628-0", "TDM thorax avec injection intraveineuse", "67734004",
             "302551006", "thorax entier",
             "Scanographie du thorax, avec injection intraveineuse de produit de contraste",
             "optional",
             "Acquisition hélicoïdale du thorax en inspiration profonde après injection intraveineuse de produit de "
             "contraste iodé ; reconstructions en fenêtres parenchymateuse et médiastinale."),
    TEMPLATE("ZCQH001", "CT-ABDO-PELV-INJ", "Scanner abdomino-pelvien avec injection", "CT",
             "36813-4", "TDM abdomen et pelvis avec injection intraveineuse", "63337009",
             "822978001", "cavité abdominopelvienne entière",
             "Scanographie de l'abdomen et du petit bassin, avec injection intraveineuse de produit de contraste",
             "optional",
             "Acquisition hélicoïdale de l'abdomen et du pelvis au temps portal après injection intraveineuse de "
             "produit de contraste iodé."),
    TEMPLATE("NZQK002", "CT-MEMBRE-INF", "Scanner du membre inférieur", "CT",
             "24690-0", "TDM membre", "61685007",
             "182281004", "membre inférieur entier",
             "Scanographie unilatérale ou bilatérale de segment du membre inférieur, sans injection de produit de "
             "contraste",
             "optional",
             "Acquisition hélicoïdale du segment de membre inférieur étudié, sans injection de produit de "
             "contraste ; reconstructions multiplanaires en fenêtres osseuse et des parties molles."),
    TEMPLATE("MZQK002", "CT-MEMBRE-SUP", "Scanner du membre supérieur", "CT",
             "24690-0", "TDM membre", "53120007",
             "182245002", "membre supérieur entier",
             "Scanographie unilatérale ou bilatérale de segment du membre supérieur, sans injection de produit de "
             "contraste",
             "optional",
             "Acquisition hélicoïdale du segment de membre supérieur étudié, sans injection de produit de "
             "contraste ; reconstructions multiplanaires en fenêtres osseuse et des parties molles."),
    /* IRM: no ionising radiation */
    TEMPLATE("ACQN001", "IRM-CRANE", "IRM cérébrale", "MR",
             "30657-1", "IRM tête sans injection", "774007",
             "258335003", "encéphale entier",
             "Remnographie [IRM] du crâne et de son contenu, sans injection de produit de contraste",
             "none",
             "Séquences T1, T2, FLAIR et diffusion, sans injection de produit de contraste."),
    TEMPLATE("ACQJ002", "IRM-CRANE-INJ", "IRM cérébrale avec injection", "MR",
             "24587-8", "IRM tête avec injection", "774007",
             "258335003", "encéphale entier",
             "Remnographie [IRM] du crâne et de son contenu, avec injection de produit de contraste",
             "none",
             "Séquences T1, T2, FLAIR et diffusion, puis T1 après injection intraveineuse de chélate de gadolinium."),
    TEMPLATE("LHQN001", "IRM-RACHIS-LOMB", "IRM du rachis lombaire", "MR",
             "30679-5", "IRM rachis lombaire sans injection", "737561001",
             "361686005", "colonne vertébrale lombaire entière",
             "Remnographie [IRM] d'un ou deux segments de la colonne vertébrale, sans injection de produit de "
             "contraste",
             "none",
             "Séquences sagittales T1, T2 et STIR, axiales T2 centrées sur les étages discaux, sans injection de "
             "produit de contraste."),
    TEMPLATE("NZQN001", "IRM-GENOU", "IRM du genou", "MR",
             "30691-0", "IRM genou sans injection", "61685007",
             "361291001", "région entière du genou",
             "Remnographie [IRM] unilatérale ou bilatérale de segment du membre inférieur, sans injection de produit "
             "de contraste",
             "none",
             "Séquences en densité de protons avec saturation du signal de la graisse dans les trois plans et T1 "
             "sagittale, sans injection de produit de contraste."),
    TEMPLATE("MZQN001", "IRM-EPAULE", "IRM de l'épaule", "MR",
             "30693-6", "IRM épaule sans injection", "53120007",
             "361103004", "région entière de l'épaule",
             "Remnographie [IRM] unilatérale ou bilatérale de segment du membre supérieur, sans injection de produit "
             "de contraste",
             "none",
             "Séquences en densité de protons avec saturation du signal de la graisse dans les trois plans et T1 "
             "coronale oblique, sans injection de produit de contraste."),
    TEMPLATE("ZCQN001", "IRM-ABDO-PELV", "IRM abdomino-pelvienne", "MR",
             "24556-3", "IRM abdomen et pelvis sans injection", "63337009",
             "822978001", "cavité abdominopelvienne entière",
             "Remnographie [IRM] de l'abdomen et du petit bassin, sans injection de produit de contraste",
             "none",
             "Séquences T2, T1 en phase et en opposition de phase et diffusion sur l'abdomen et le pelvis, sans "
             "injection de produit de contraste."),
    /* radiologie: ionising */
    TEMPLATE("ZBQK002", "RX-THORAX", "Radiographie du thorax", "DX",
             "36643-5", "Radiographie thorax 2 incidences", "67734004",
             "302551006", "thorax entier",
             "Radiographie du thorax",
             "optional",
             "Cliché de face en inspiration."),
    TEMPLATE("ZCQK002", "RX-ASP", "Radiographie de l'abdomen sans préparation", "DX",
             "24799-9", "Radiographie abdomen sans préparation", "63337009",
             "302553009", "abdomen entier",
             "Radiographie de l'abdomen sans préparation",
             "optional",
             "Cliché de l'abdomen de face en décubitus dorsal, sans préparation."),
    /* échographie: no ionising radiation */
    TEMPLATE("ZCQM008", "ECHO-ABDO", "Échographie abdominale", "US",
             "24558-9", "Échographie abdomen", "63337009",
             "302553009", "abdomen entier",
             "Échographie transcutanée de l'abdomen",
             "none",
             "Échographie transcutanée par voie sous-costale et intercostale."),
    TEMPLATE("ZCQM003", "ECHO-PELV", "Échographie pelvienne", "US",
             "24869-0", "Échographie pelvis", "63337009",
             "362717004", "petit bassin entier",
             "Échographie transcutanée du petit bassin [pelvis] féminin",
             "none",
             "Échographie transcutanée par voie sus-pubienne, vessie en réplétion."),
    TEMPLATE("JAQM003", "ECHO-REINS", "Échographie rénale", "US",
             "24531-6", "Échographie rétropéritoine", "63337009",
             "181414000", "rein entier",
             "Échographie transcutanée unilatérale ou bilatérale du rein et de la région lombale",
             "none",
             "Échographie transcutanée des deux reins et des loges rénales par voies antérieure et lombaire."),
    /* mammographie: ionising */
    TEMPLATE("QEQK004", "MAMMO-DEPISTAGE", "Mammographie de dépistage", "MG",
             "24606-6", "Mammographie de dépistage", "76752008",
             "181131000", "sein entier",
             "Mammographie de dépistage",
             "optional",
             "Incidences de face et oblique externe de chaque sein, dans le cadre du dépistage organisé du cancer du "
             "sein."),
    TEMPLATE("QEQK001", "MAMMO", "Mammographie bilatérale", "MG",
             "24605-8", "Mammographie bilatérale", "76752008",
             "181131000", "sein entier",
             "Mammographie bilatérale",
             "optional",
             "Incidences de face et oblique externe de chaque sein."),
};
const size_t demo_templates_count = sizeof demo_templates / sizeof demo_templates[0];

store_status demo_seed_templates(store_conn_t *c, const int64_t *exam_ids, char *err, size_t errlen)
{
    for (size_t i = 0; i < demo_templates_count; i++) {
        const demo_template *t = &demo_templates[i];
        int64_t exam_id = 0;
        for (size_t e = 0; e < demo_exams_count && !exam_id; e++)
            if (strcmp(demo_exams[e].ccam, t->exam_ccam) == 0) exam_id = exam_ids[e];
        if (!exam_id) { /* a template of no exam would become a generic one of its modality */
            snprintf(err, errlen, "modèle de compte rendu de démonstration %s : l'examen %s n'est pas dans le catalogue de démonstration", t->code,
                     t->exam_ccam);
            return STORE_INVALID;
        }
        report_template_in in = {t->code, t->label, t->modality, exam_id, t->json, 1};
        store_status s = report_templates_create(c, &in, NULL);
        if (s != STORE_OK) {
            snprintf(err, errlen, "modèle de compte rendu de démonstration %s : enregistrement impossible (%s)", t->code,
                     store_last_error(c));
            return s;
        }
    }
    return STORE_OK;
}
