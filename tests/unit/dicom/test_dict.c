/* Dictionary: generated table sorted, named tags agree with PS3.6 keywords, VR helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dicom/dicom.h"

static void test_lookup(void **state)
{
    (void)state;
    const dcm_dict_entry *e = dcm_dict_lookup(DCM_PatientName);
    assert_non_null(e);
    assert_string_equal(e->keyword, "PatientName");
    assert_int_equal(e->vr, DCM_VR('P', 'N'));
    e = dcm_dict_find_keyword("ScheduledProcedureStepSequence");
    assert_non_null(e);
    assert_int_equal(e->tag, DCM_ScheduledProcedureStepSequence);
    assert_int_equal(e->vr, DCM_VR('S', 'Q'));
    assert_null(dcm_dict_lookup(0x00091234u));
    assert_null(dcm_dict_find_keyword("NoSuchKeyword"));
    assert_int_equal(dcm_dict_vr(0x00100000u), DCM_VR('U', 'L'));  /* group length */
    assert_int_equal(dcm_dict_vr(0x00090010u), DCM_VR('L', 'O'));  /* private creator */
    assert_int_equal(dcm_dict_vr(0x00091001u), DCM_VR('U', 'N'));
    assert_int_equal(dcm_dict_vr(DCM_Status), DCM_VR('U', 'S'));     /* PS3.7 command */
}

/* Every tag named in dicom.h has the PS3.6/PS3.7 keyword of the same name. */
static void test_named_tags(void **state)
{
    (void)state;
    static const struct { uint32_t tag; const char *kw; } named[] = {
#define T(x) {DCM_##x, #x}
        T(CommandGroupLength), T(AffectedSOPClassUID), T(RequestedSOPClassUID), T(CommandField), T(MessageID),
        T(MessageIDBeingRespondedTo), T(Priority), T(CommandDataSetType), T(Status), T(OffendingElement),
        T(ErrorComment), T(ErrorID), T(AffectedSOPInstanceUID), T(RequestedSOPInstanceUID),
        T(FileMetaInformationGroupLength), T(FileMetaInformationVersion), T(MediaStorageSOPClassUID),
        T(MediaStorageSOPInstanceUID), T(TransferSyntaxUID), T(ImplementationClassUID), T(ImplementationVersionName),
        T(SpecificCharacterSet), T(SOPClassUID), T(SOPInstanceUID), T(StudyDate), T(StudyTime), T(AccessionNumber),
        T(IssuerOfAccessionNumberSequence), T(QueryRetrieveLevel), T(Modality), T(ReferringPhysicianName), T(CodeValue),
        T(CodingSchemeDesignator), T(CodeMeaning), T(StudyDescription), T(ReferencedStudySequence),
        T(ReferencedPatientSequence), T(ReferencedSOPClassUID), T(ReferencedSOPInstanceUID), T(PatientName),
        T(PatientID), T(IssuerOfPatientID), T(TypeOfPatientID), T(IssuerOfPatientIDQualifiersSequence),
        T(PatientBirthDate), T(PatientSex), T(OtherPatientIDsSequence), T(PatientBirthName), T(PatientWeight),
        T(UniversalEntityID), T(UniversalEntityIDType), T(LocalNamespaceEntityID), T(StudyInstanceUID), T(StudyID),
        T(RequestingPhysician), T(RequestedProcedureDescription), T(RequestedProcedureCodeSequence), T(AdmissionID),
        T(ScheduledStationAETitle), T(ScheduledProcedureStepStartDate), T(ScheduledProcedureStepStartTime),
        T(ScheduledPerformingPhysicianName), T(ScheduledProcedureStepDescription), T(ScheduledProtocolCodeSequence),
        T(ScheduledProcedureStepID), T(ScheduledStationName), T(ScheduledProcedureStepLocation),
        T(ScheduledProcedureStepStatus), T(ScheduledProcedureStepSequence), T(PerformedStationAETitle),
        T(PerformedProcedureStepStartDate), T(PerformedProcedureStepStartTime), T(PerformedProcedureStepEndDate),
        T(PerformedProcedureStepEndTime), T(PerformedProcedureStepStatus), T(PerformedProcedureStepID),
        T(PerformedProcedureStepDescription), T(ScheduledStepAttributesSequence), T(PerformedSeriesSequence),
        T(RequestedProcedureID), T(RequestedProcedurePriority), T(ContentSequence),
        T(CurrentRequestedProcedureEvidenceSequence), T(Item), T(ItemDelimitationItem), T(SequenceDelimitationItem),
#undef T
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        const dcm_dict_entry *e = dcm_dict_lookup(named[i].tag);
        if (!e || strcmp(e->keyword, named[i].kw) != 0) fail_msg("%s: dictionary says %s", named[i].kw, e ? e->keyword : "nothing");
    }
}

static void test_vr(void **state)
{
    (void)state;
    char n[3];
    assert_string_equal(dcm_vr_name(DCM_VR('L', 'O'), n), "LO");
    assert_true(dcm_vr_is_text(DCM_VR('P', 'N')));
    assert_false(dcm_vr_is_text(DCM_VR('C', 'S')));
    assert_true(dcm_vr_is_string(DCM_VR('U', 'I')));
    assert_false(dcm_vr_is_string(DCM_VR('U', 'S')));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_named_tags),
        cmocka_unit_test(test_vr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
