/* Standard field names (HL7 v2.5/2.7 and the French PAM extension ZBE) for readable dumps. */
#include <string.h>

#include "hl7/hl7_internal.h"

typedef struct {
    const char seg[4];
    const char *const *names; /* names[0] is field 1 */
    int count;
} seg_names;

#define N(...) (const char *const[]){__VA_ARGS__}, (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static const seg_names table[] = {
    {"MSH", N("Field Separator", "Encoding Characters", "Sending Application", "Sending Facility",
              "Receiving Application", "Receiving Facility", "Date/Time of Message", "Security", "Message Type",
              "Message Control ID", "Processing ID", "Version ID", "Sequence Number", "Continuation Pointer",
              "Accept Acknowledgment Type", "Application Acknowledgment Type", "Country Code", "Character Set",
              "Principal Language of Message", "Alternate Character Set Handling Scheme", "Message Profile Identifier")},
    {"EVN", N("Event Type Code", "Recorded Date/Time", "Date/Time Planned Event", "Event Reason Code", "Operator ID",
              "Event Occurred", "Event Facility")},
    {"PID", N("Set ID - PID", "Patient ID", "Patient Identifier List", "Alternate Patient ID - PID", "Patient Name",
              "Mother's Maiden Name", "Date/Time of Birth", "Administrative Sex", "Patient Alias", "Race",
              "Patient Address", "County Code", "Phone Number - Home", "Phone Number - Business", "Primary Language",
              "Marital Status", "Religion", "Patient Account Number", "SSN Number - Patient",
              "Driver's License Number - Patient", "Mother's Identifier", "Ethnic Group", "Birth Place",
              "Multiple Birth Indicator", "Birth Order", "Citizenship", "Veterans Military Status", "Nationality",
              "Patient Death Date and Time", "Patient Death Indicator", "Identity Unknown Indicator",
              "Identity Reliability Code", "Last Update Date/Time", "Last Update Facility", "Species Code",
              "Breed Code", "Strain", "Production Class Code", "Tribal Citizenship")},
    {"PD1", N("Living Dependency", "Living Arrangement", "Patient Primary Facility",
              "Patient Primary Care Provider Name & ID No.", "Student Indicator", "Handicap", "Living Will Code",
              "Organ Donor Code", "Separate Bill", "Duplicate Patient", "Publicity Code", "Protection Indicator",
              "Protection Indicator Effective Date")},
    {"PV1", N("Set ID - PV1", "Patient Class", "Assigned Patient Location", "Admission Type", "Preadmit Number",
              "Prior Patient Location", "Attending Doctor", "Referring Doctor", "Consulting Doctor",
              "Hospital Service", "Temporary Location", "Preadmit Test Indicator", "Re-admission Indicator",
              "Admit Source", "Ambulatory Status", "VIP Indicator", "Admitting Doctor", "Patient Type", "Visit Number",
              "Financial Class", "Charge Price Indicator", "Courtesy Code", "Credit Rating", "Contract Code",
              "Contract Effective Date", "Contract Amount", "Contract Period", "Interest Code",
              "Transfer to Bad Debt Code", "Transfer to Bad Debt Date", "Bad Debt Agency Code",
              "Bad Debt Transfer Amount", "Bad Debt Recovery Amount", "Delete Account Indicator",
              "Delete Account Date", "Discharge Disposition", "Discharged to Location", "Diet Type",
              "Servicing Facility", "Bed Status", "Account Status", "Pending Location", "Prior Temporary Location",
              "Admit Date/Time", "Discharge Date/Time", "Current Patient Balance", "Total Charges",
              "Total Adjustments", "Total Payments", "Alternate Visit ID", "Visit Indicator",
              "Other Healthcare Provider")},
    {"MRG", N("Prior Patient Identifier List", "Prior Alternate Patient ID", "Prior Patient Account Number",
              "Prior Patient ID", "Prior Visit Number", "Prior Alternate Visit ID", "Prior Patient Name")},
    {"ORC", N("Order Control", "Placer Order Number", "Filler Order Number", "Placer Group Number", "Order Status",
              "Response Flag", "Quantity/Timing", "Parent", "Date/Time of Transaction", "Entered By", "Verified By",
              "Ordering Provider", "Enterer's Location", "Call Back Phone Number", "Order Effective Date/Time",
              "Order Control Code Reason", "Entering Organization", "Entering Device", "Action By",
              "Advanced Beneficiary Notice Code", "Ordering Facility Name")},
    {"OBR", N("Set ID - OBR", "Placer Order Number", "Filler Order Number", "Universal Service Identifier",
              "Priority - OBR", "Requested Date/Time", "Observation Date/Time", "Observation End Date/Time",
              "Collection Volume", "Collector Identifier", "Specimen Action Code", "Danger Code",
              "Relevant Clinical Information", "Specimen Received Date/Time", "Specimen Source", "Ordering Provider",
              "Order Callback Phone Number", "Placer Field 1", "Placer Field 2", "Filler Field 1", "Filler Field 2",
              "Results Rpt/Status Chng - Date/Time", "Charge to Practice", "Diagnostic Serv Sect ID",
              "Result Status", "Parent Result", "Quantity/Timing", "Result Copies To", "Parent",
              "Transportation Mode", "Reason for Study", "Principal Result Interpreter",
              "Assistant Result Interpreter", "Technician", "Transcriptionist", "Scheduled Date/Time",
              "Number of Sample Containers", "Transport Logistics of Collected Sample", "Collector's Comment",
              "Transport Arrangement Responsibility", "Transport Arranged", "Escort Required",
              "Planned Patient Transport Comment", "Procedure Code", "Procedure Code Modifier",
              "Placer Supplemental Service Information", "Filler Supplemental Service Information")},
    {"OBX", N("Set ID - OBX", "Value Type", "Observation Identifier", "Observation Sub-ID", "Observation Value",
              "Units", "References Range", "Abnormal Flags", "Probability", "Nature of Abnormal Test",
              "Observation Result Status", "Effective Date of Reference Range", "User Defined Access Checks",
              "Date/Time of the Observation", "Producer's ID", "Responsible Observer", "Observation Method",
              "Equipment Instance Identifier", "Date/Time of the Analysis")},
    {"TXA", N("Set ID - TXA", "Document Type", "Document Content Presentation", "Activity Date/Time",
              "Primary Activity Provider Code/Name", "Origination Date/Time", "Transcription Date/Time",
              "Edit Date/Time", "Originator Code/Name", "Assigned Document Authenticator",
              "Transcriptionist Code/Name", "Unique Document Number", "Parent Document Number",
              "Placer Order Number", "Filler Order Number", "Unique Document File Name",
              "Document Completion Status", "Document Confidentiality Status", "Document Availability Status",
              "Document Storage Status", "Document Change Reason", "Authentication Person, Time Stamp",
              "Distributed Copies")},
    {"PRT", N("Participation Instance ID", "Action Code", "Action Reason", "Participation", "Participation Person",
              "Participation Person Provider Type", "Participant Organization Unit Type",
              "Participation Organization", "Participant Location", "Participation Device",
              "Participation Begin Date/Time", "Participation End Date/Time", "Participation Qualitative Duration",
              "Participation Address", "Participant Telecommunication Address")},
    {"IPC", N("Accession Identifier", "Requested Procedure ID", "Study Instance UID", "Scheduled Procedure Step ID",
              "Modality", "Protocol Code", "Scheduled Station Name", "Scheduled Procedure Step Location",
              "Scheduled Station AE Title")},
    {"MSA", N("Acknowledgment Code", "Message Control ID", "Text Message", "Expected Sequence Number",
              "Delayed Acknowledgment Type", "Error Condition")},
    {"ERR", N("Error Code and Location", "Error Location", "HL7 Error Code", "Severity", "Application Error Code",
              "Application Error Parameter", "Diagnostic Information", "User Message", "Inform Person Indicator",
              "Override Type", "Override Reason Code", "Help Desk Contact Point")},
    {"NTE", N("Set ID - NTE", "Source of Comment", "Comment", "Comment Type")},
    {"ZBE", N("Movement ID", "Start of Movement Date/Time", "End of Movement Date/Time", "Action on the Movement",
              "Historic Movement Indicator", "Original Trigger Event Code", "Responsible Medical Ward",
              "Responsible Nursing Ward", "Nature of Movement")},
};

const char *hl7_field_name(const char *segment, int field)
{
    if (!segment || field < 1) return NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strncmp(table[i].seg, segment, 3) == 0) return field <= table[i].count ? table[i].names[field - 1] : NULL;
    return NULL;
}
