//! XML for the XCA flavour: pulling slots and document requests out of SOAP requests
//! (tolerant of namespace prefixes), and writing the SOAP 1.2 envelopes, ebRIM
//! ExtrinsicObjects, registry errors and faults of ITI-38/ITI-39 responses.

use nir_core::registry::xca::xml_tree::{self, Element};
pub use nir_core::registry::xca::{escape, FIND_DOCUMENTS, NHS_NUMBER_OID};

use super::catalogue::{RecordRef, ReportKind};
use super::fhir_resources::{record_date, record_network};
use super::networks::NETWORKS;
use super::patients::PATIENTS;
use super::record_types::RecordType;
use super::xca_documents::entry_format;
use super::SandboxState;

/// ebXML response status prefix.
pub const STATUS: &str = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:";
/// Stable DocumentEntry object type.
pub const STABLE_DOCUMENT_ENTRY: &str = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1";

/// Reads a SOAP request with the viewer's own hardened XML reader (no DOCTYPE, bounded
/// depth and size); the tree holds elements by local name, whatever their prefixes.
pub fn parse_request(body: &[u8]) -> Result<Element, String> {
    xml_tree::parse(body)
}

/// The text of every element with this local name below `root`, entities resolved.
pub fn element_texts(root: &Element, local: &str) -> Vec<String> {
    let mut found = Vec::new();
    root.descendants(local, &mut found);
    found.iter().map(|e| e.text.trim().to_string()).collect()
}

/// The values of a named slot (ebRIM 3.0 `Slot/ValueList/Value`), outer quotes and
/// parentheses removed and `('a','b')` lists split, as ITI-38 query parameters are written
/// (ITI TF-2 §3.18.4.1.2.3.5).
pub fn slot_values(root: &Element, name: &str) -> Vec<String> {
    let mut slots = Vec::new();
    root.descendants("Slot", &mut slots);
    slots
        .into_iter()
        .filter(|slot| slot.attr("name") == Some(name))
        .flat_map(|slot| element_texts(slot, "Value"))
        .flat_map(|v| {
            v.trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .map(|item| item.trim().trim_matches('\'').to_string())
                .collect::<Vec<_>>()
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// A SOAP 1.2 envelope with WS-Addressing headers.
pub fn envelope(action: &str, relates_to: Option<&str>, body: &str) -> String {
    let relates = relates_to
        .map(|id| format!("<wsa:RelatesTo>{}</wsa:RelatesTo>", escape(id)))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">\
<soap:Header><wsa:Action soap:mustUnderstand=\"1\">{action}</wsa:Action><wsa:MessageID>urn:uuid:{}</wsa:MessageID>{relates}</soap:Header>\
<soap:Body>{body}</soap:Body></soap:Envelope>",
        uuid::Uuid::new_v4()
    )
}

/// A SOAP 1.2 fault.
pub fn fault(relates_to: Option<&str>, subcode: &str, reason: &str) -> String {
    let body = format!(
        "<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value><soap:Subcode><soap:Value>{}</soap:Value></soap:Subcode></soap:Code>\
<soap:Reason><soap:Text xml:lang=\"en\">{}</soap:Text></soap:Reason></soap:Fault>",
        escape(subcode),
        escape(reason)
    );
    envelope(
        "http://www.w3.org/2005/08/addressing/soap/fault",
        relates_to,
        &body,
    )
}

/// One `rs:RegistryError`.
pub fn registry_error(code: &str, context: &str, location: &str) -> String {
    format!(
        "<rs:RegistryError errorCode=\"{}\" codeContext=\"{}\" location=\"{}\" severity=\"urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error\"/>",
        escape(code), escape(context), escape(location)
    )
}

fn slot(name: &str, values: &[String]) -> String {
    let values: String = values
        .iter()
        .map(|v| format!("<rim:Value>{}</rim:Value>", escape(v)))
        .collect();
    format!(
        "<rim:Slot name=\"{}\"><rim:ValueList>{values}</rim:ValueList></rim:Slot>",
        escape(name)
    )
}

fn classification(
    scheme: &str,
    object: &str,
    code: &str,
    coding_scheme: &str,
    display: &str,
) -> String {
    format!(
        "<rim:Classification classificationScheme=\"{scheme}\" classifiedObject=\"{object}\" id=\"urn:uuid:{}\" nodeRepresentation=\"{}\" \
objectType=\"urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification\">{}\
<rim:Name><rim:LocalizedString value=\"{}\"/></rim:Name></rim:Classification>",
        uuid::Uuid::new_v4(),
        escape(code),
        slot("codingScheme", &[coding_scheme.to_string()]),
        escape(display)
    )
}

fn external_identifier(scheme: &str, object: &str, value: &str, name: &str) -> String {
    format!(
        "<rim:ExternalIdentifier id=\"urn:uuid:{}\" identificationScheme=\"{scheme}\" registryObject=\"{object}\" value=\"{}\" \
objectType=\"urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier\"><rim:Name><rim:LocalizedString value=\"{name}\"/></rim:Name></rim:ExternalIdentifier>",
        uuid::Uuid::new_v4(),
        escape(value)
    )
}

/// A stable, deterministic `urn:uuid:` for a document unique id.
pub fn entry_uuid(unique_id: &str) -> String {
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in unique_id.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    format!("urn:uuid:{}", uuid::Uuid::from_u128(hash))
}

/// The DocumentEntry (`rim:ExtrinsicObject`) of a record.
pub fn extrinsic_object(state: &SandboxState, record: RecordRef) -> String {
    let network = NETWORKS[record_network(state, record).min(NETWORKS.len() - 1)];
    let kind = RecordType::of(&state.catalogue, record);
    let date = record_date(state, record).replace('-', "");
    let (patient, unique_id, mime, name, description, modality, refs, format) = match record {
        RecordRef::Study(p, s) => {
            let st = &state.catalogue.studies[p][s];
            let refs = vec![
                format!(
                    "{}^^^&2.999.5&ISO^urn:ihe:iti:xds:2013:accession",
                    st.accession
                ),
                format!("{}^^^^urn:ihe:iti:xds:2016:studyInstanceUID", st.uid),
            ];
            (
                p,
                st.manifest_uid.clone(),
                "application/dicom",
                st.description.to_string(),
                format!("{} ({})", st.description, st.modality),
                Some(st.modality),
                refs,
                // DICOM KOS manifest (IHE RAD TF-3 §4.68.4.1.2.3: formatCode is the SOP
                // Class UID, coding scheme 1.2.840.10008.2.6.1).
                (
                    "1.2.840.10008.5.1.4.1.1.88.59",
                    "1.2.840.10008.2.6.1",
                    "Key Object Selection Document",
                ),
            )
        }
        RecordRef::Report(p, r) => {
            let rep = &state.catalogue.reports[p][r];
            let mut refs = Vec::new();
            if let Some(acc) = &rep.accession {
                refs.push(format!(
                    "{acc}^^^&2.999.5&ISO^urn:ihe:iti:xds:2013:accession"
                ));
            }
            if let Some(uid) = &rep.study_uid {
                refs.push(format!("{uid}^^^^urn:ihe:iti:xds:2016:studyInstanceUID"));
            }
            let label = if rep.kind == ReportKind::CarePlan {
                "Care plan"
            } else {
                "Report"
            };
            let (mime, format_code, scheme, display) = entry_format(rep);
            (
                p,
                rep.unique_id.clone(),
                mime,
                rep.title.to_string(),
                format!("{label}: {}", rep.title),
                None,
                refs,
                (format_code, scheme, display),
            )
        }
    };
    let nhs = PATIENTS.get(patient).map_or("", |p| p.nhs_number);
    let pid = format!("{nhs}^^^&{NHS_NUMBER_OID}&ISO");
    let id = entry_uuid(&unique_id);
    let mut xml = format!(
        "<rim:ExtrinsicObject id=\"{id}\" home=\"{}\" mimeType=\"{mime}\" objectType=\"{STABLE_DOCUMENT_ENTRY}\" status=\"urn:oasis:names:tc:ebxml-regrep:StatusType:Approved\">",
        network.home_community_id
    );
    xml += &slot("creationTime", &[format!("{date}093000")]);
    xml += &slot("serviceStartTime", &[format!("{date}0930")]);
    xml += &slot(
        "repositoryUniqueId",
        &[network.repository_unique_id.to_string()],
    );
    xml += &slot("sourcePatientId", std::slice::from_ref(&pid));
    xml += &slot("languageCode", &["en-GB".to_string()]);
    xml += &slot("urn:ihe:iti:xds:2013:referenceIdList", &refs);
    xml += &format!(
        "<rim:Name><rim:LocalizedString value=\"{}\"/></rim:Name>",
        escape(&name)
    );
    xml += &format!(
        "<rim:Description><rim:LocalizedString value=\"{}\"/></rim:Description>",
        escape(&description)
    );
    xml += &classification(
        "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
        &id,
        kind.code(),
        "2.16.840.1.113883.6.96",
        kind.display(),
    );
    xml += &classification(
        "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
        &id,
        kind.code(),
        "2.16.840.1.113883.6.96",
        kind.display(),
    );
    xml += &classification(
        "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
        &id,
        network.practice_setting_code,
        "2.16.840.1.113883.6.96",
        network.care_setting,
    );
    xml += &classification(
        "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
        &id,
        "22232009",
        "2.16.840.1.113883.6.96",
        "Hospital",
    );
    xml += &classification(
        "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
        &id,
        "N",
        "2.16.840.1.113883.5.25",
        "normal",
    );
    let (format_code, format_scheme, format_display) = format;
    xml += &classification(
        "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
        &id,
        format_code,
        format_scheme,
        format_display,
    );
    if let Some(modality) = modality {
        xml += &classification(
            "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
            &id,
            modality,
            "1.2.840.10008.2.16.4",
            modality,
        );
    }
    xml += &external_identifier(
        "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
        &id,
        &pid,
        "XDSDocumentEntry.patientId",
    );
    xml += &external_identifier(
        "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
        &id,
        &unique_id,
        "XDSDocumentEntry.uniqueId",
    );
    xml += "</rim:ExtrinsicObject>";
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_slots_with_any_prefix_and_quoting() {
        let xml = r#"<query:AdhocQuery><rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'9912003888^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO'</rim:Value></rim:ValueList></rim:Slot>
<Slot name="$XDSDocumentEntryStatus"><ValueList><Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</Value></ValueList></Slot></query:AdhocQuery>"#;
        let xml = &parse_request(format!("<Envelope>{xml}</Envelope>").as_bytes()).unwrap();
        assert_eq!(
            slot_values(xml, "$XDSDocumentEntryPatientId"),
            vec!["9912003888^^^&2.16.840.1.113883.2.1.4.1&ISO"]
        );
        assert_eq!(
            slot_values(xml, "$XDSDocumentEntryStatus"),
            vec!["urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"]
        );
        assert!(slot_values(xml, "$Other").is_empty());
        let doc = parse_request(b"<r><a:X>1</a:X><X>2</X></r>").unwrap();
        assert_eq!(element_texts(&doc, "X"), vec!["1", "2"]);
        assert!(parse_request(b"<!DOCTYPE r []><r/>").is_err());
    }

    #[test]
    fn entry_uuids_are_stable_and_distinct() {
        assert_eq!(entry_uuid("2.999.3.1.1"), entry_uuid("2.999.3.1.1"));
        assert_ne!(entry_uuid("2.999.3.1.1"), entry_uuid("2.999.3.1.2"));
        assert_eq!(escape("a&b<\"'"), "a&amp;b&lt;&quot;&apos;");
    }
}
