//! Writing XCA requests: SOAP 1.2 envelopes with WS-Addressing headers (IHE ITI TF-2
//! Appendix V) around an ITI-38 `AdhocQueryRequest` (the FindDocuments stored query of ITI TF-2
//! §3.18.4.1.2.3.7: LeafClass, patient id and status slots, optional creation-time range) or
//! an ITI-39 `RetrieveDocumentSetRequest` (§3.39.4.1.2). The patient id is an HL7 v2 CX value
//! (ITI TF-3 §4.2.3.2, DocumentEntry.patientId) in the configured form: `NNN^^^NHS^NH` as in
//! NIR's published sample request, or the assigning authority by OID. Every value is
//! XML-escaped; slot values are quoted as ebRIM stored queries expect.

use crate::config::PatientIdForm;
use crate::registry::query::HistoryQuery;

/// WS-Addressing action of ITI-38.
pub const QUERY_ACTION: &str = "urn:ihe:iti:2007:CrossGatewayQuery";
/// WS-Addressing action of ITI-39.
pub const RETRIEVE_ACTION: &str = "urn:ihe:iti:2007:CrossGatewayRetrieve";
/// The FindDocuments stored query.
pub const FIND_DOCUMENTS: &str = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d";
/// OID of NHS numbers as an assigning authority.
pub const NHS_NUMBER_OID: &str = "2.16.840.1.113883.2.1.4.1";
const APPROVED: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn slot(name: &str, value: &str) -> String {
    format!(
        "<rim:Slot name=\"{}\"><rim:ValueList><rim:Value>{}</rim:Value></rim:ValueList></rim:Slot>",
        escape(name),
        escape(value)
    )
}

/// A SOAP 1.2 envelope with WS-Addressing `Action`, `MessageID`, `ReplyTo` and `To`.
pub fn envelope(action: &str, to: &str, message_id: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">\
<soap:Header>\
<wsa:Action soap:mustUnderstand=\"1\">{}</wsa:Action>\
<wsa:MessageID>{}</wsa:MessageID>\
<wsa:ReplyTo soap:mustUnderstand=\"1\"><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>\
<wsa:To soap:mustUnderstand=\"1\">{}</wsa:To>\
</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>",
        escape(action),
        escape(message_id),
        escape(to)
    )
}

/// The patient identifier (CX) of an NHS number in `form`, unquoted.
pub fn patient_id(digits: &str, form: PatientIdForm) -> String {
    match form {
        PatientIdForm::NhsNh => format!("{digits}^^^NHS^NH"),
        PatientIdForm::IsoOid => format!("{digits}^^^&{NHS_NUMBER_OID}&ISO"),
    }
}

/// The ITI-38 FindDocuments query body for this patient and date range.
pub fn adhoc_query_request(query: &HistoryQuery, form: PatientIdForm) -> String {
    let patient = format!("'{}'", patient_id(&query.nhs_number.as_digits(), form));
    let mut slots = slot("$XDSDocumentEntryPatientId", &patient);
    slots += &slot("$XDSDocumentEntryStatus", &format!("('{APPROVED}')"));
    if let Some(from) = query.from {
        slots += &slot(
            "$XDSDocumentEntryCreationTimeFrom",
            &from.format("%Y%m%d").to_string(),
        );
    }
    if let Some(to) = query.to {
        slots += &slot(
            "$XDSDocumentEntryCreationTimeTo",
            &format!("{}235959", to.format("%Y%m%d")),
        );
    }
    format!(
        "<query:AdhocQueryRequest xmlns:query=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\" xmlns:rim=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\">\
<query:ResponseOption returnComposedObjects=\"true\" returnType=\"LeafClass\"/>\
<rim:AdhocQuery id=\"{FIND_DOCUMENTS}\">{slots}</rim:AdhocQuery></query:AdhocQueryRequest>"
    )
}

/// The ITI-39 request for one document.
pub fn retrieve_request(home_community_id: &str, repository_id: &str, document_id: &str) -> String {
    format!(
        "<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"urn:ihe:iti:xds-b:2007\"><xdsb:DocumentRequest>\
<xdsb:HomeCommunityId>{}</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>{}</xdsb:RepositoryUniqueId>\
<xdsb:DocumentUniqueId>{}</xdsb:DocumentUniqueId></xdsb:DocumentRequest></xdsb:RetrieveDocumentSetRequest>",
        escape(home_community_id),
        escape(repository_id),
        escape(document_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::xca::xml_tree;

    #[test]
    fn query_has_the_find_documents_structure() {
        let mut query = HistoryQuery::for_patient("9912003888").unwrap();
        query.from = chrono::NaiveDate::from_ymd_opt(2020, 1, 2);
        let xml = envelope(
            QUERY_ACTION,
            "http://127.0.0.1/xca/iti38",
            "urn:uuid:1",
            &adhoc_query_request(&query, PatientIdForm::IsoOid),
        );
        let root = xml_tree::parse(xml.as_bytes()).unwrap();
        assert_eq!(root.name, "Envelope");
        let header = root.child("Header").unwrap();
        assert_eq!(header.child("Action").unwrap().text, QUERY_ACTION);
        assert_eq!(header.child("MessageID").unwrap().text, "urn:uuid:1");
        let request = root.find("AdhocQueryRequest").unwrap();
        assert_eq!(
            request.child("ResponseOption").unwrap().attr("returnType"),
            Some("LeafClass")
        );
        let adhoc = request.child("AdhocQuery").unwrap();
        assert_eq!(adhoc.attr("id"), Some(FIND_DOCUMENTS));
        let slots: Vec<(&str, String)> = adhoc
            .children_named("Slot")
            .map(|s| {
                (
                    s.attr("name").unwrap(),
                    s.find("Value").unwrap().text.clone(),
                )
            })
            .collect();
        assert_eq!(
            slots[0],
            (
                "$XDSDocumentEntryPatientId",
                "'9912003888^^^&2.16.840.1.113883.2.1.4.1&ISO'".into()
            )
        );
        assert_eq!(slots[1].0, "$XDSDocumentEntryStatus");
        assert_eq!(
            slots[2],
            ("$XDSDocumentEntryCreationTimeFrom", "20200102".into())
        );
    }

    #[test]
    fn the_patient_id_follows_the_configured_form() {
        let query = HistoryQuery::for_patient("9912003888").unwrap();
        let slot_value = |form| {
            let xml = adhoc_query_request(&query, form);
            let root = xml_tree::parse(xml.as_bytes()).unwrap();
            root.find("Value").unwrap().text.clone()
        };
        assert_eq!(slot_value(PatientIdForm::NhsNh), "'9912003888^^^NHS^NH'");
        assert_eq!(
            slot_value(PatientIdForm::default()),
            slot_value(PatientIdForm::NhsNh)
        );
        assert_eq!(
            slot_value(PatientIdForm::IsoOid),
            "'9912003888^^^&2.16.840.1.113883.2.1.4.1&ISO'"
        );
    }

    #[test]
    fn retrieve_escapes_values() {
        let xml = retrieve_request("urn:oid:1", "2.3", "a<b");
        let root = xml_tree::parse(xml.as_bytes()).unwrap();
        assert_eq!(root.find("DocumentUniqueId").unwrap().text, "a<b");
        assert_eq!(root.find("RepositoryUniqueId").unwrap().text, "2.3");
    }
}
