//! The documents the XCA flavour's repositories hold for reports, and how their
//! DocumentEntries describe them: the FHIR resource as JSON, or, as XDS-I.b repositories
//! hold imaging reports (IHE RAD TF-3 §4.68.4.1.2.3), a PDF (`urn:ihe:rad:PDF`), plain text
//! (`urn:ihe:rad:TEXT`) or an HL7 CDA R2 document
//! (`urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013`, sent as `text/xml`). Format
//! codes are in IHE's format code system `1.3.6.1.4.1.19376.1.2.3` (ITI TF-3 §4.2.3.2.9).
//! Everything is synthetic and built in memory.

use nir_core::registry::xca::escape;

use super::catalogue::{ReportDef, XcaFormat};
use super::dicom_gen::pdf::text_pdf;
use super::fhir_resources::report_resource;

/// IHE's format code system.
pub const IHE_FORMAT_CODES: &str = "1.3.6.1.4.1.19376.1.2.3";
/// The NHS number's OID, the root of the patient's id in a CDA `recordTarget`.
const NHS_NUMBER_OID: &str = "2.16.840.1.113883.2.1.4.1";

/// `mimeType`, `formatCode`, its coding scheme and display name of a report's
/// DocumentEntry (ITI TF-3 §4.2.3.2.9 formatCode, §4.2.3.2.17 mimeType).
pub fn entry_format(
    report: &ReportDef,
) -> (&'static str, &'static str, &'static str, &'static str) {
    match report.xca_format {
        XcaFormat::Fhir => (
            "application/fhir+json",
            "urn:nhs-ic:structured",
            "https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode",
            "Structured document",
        ),
        XcaFormat::Pdf => (
            "application/pdf",
            "urn:ihe:rad:PDF",
            IHE_FORMAT_CODES,
            "PDF report",
        ),
        XcaFormat::Text => (
            "text/plain",
            "urn:ihe:rad:TEXT",
            IHE_FORMAT_CODES,
            "Plain text report",
        ),
        XcaFormat::Cda => (
            "text/xml",
            "urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013",
            IHE_FORMAT_CODES,
            "CDA imaging report with structured headings",
        ),
    }
}

/// The media type and bytes an ITI-39 retrieve answers for a report of the patient with
/// `nhs_number`, written by `author` (the holding network).
pub fn report_document(
    report: &ReportDef,
    nhs_number: &str,
    author: &str,
) -> (&'static str, Vec<u8>) {
    let (mime, ..) = entry_format(report);
    let bytes = match report.xca_format {
        XcaFormat::Fhir => report_resource(report).to_string().into_bytes(),
        XcaFormat::Pdf => text_pdf(report.title, report.text),
        XcaFormat::Text => format!(
            "{}\nDate: {}\nFrom: {author}\n\n{}\n",
            report.title, report.date, report.text
        )
        .into_bytes(),
        XcaFormat::Cda => cda_report(report, nhs_number, author).into_bytes(),
    };
    (mime, bytes)
}

/// A CDA R2 imaging report (HL7 CDA R2 §4.2 header: title, effectiveTime, recordTarget,
/// author, custodian, legalAuthenticator; an amended report replaces its parent through
/// `relatedDocument typeCode="RPLC"`, §4.2.3.1), with DICOM PS3.20-style headed sections
/// whose narrative holds a paragraph, a list and a table.
pub fn cda_report(report: &ReportDef, nhs_number: &str, author: &str) -> String {
    let date = report.date.replace('-', "");
    let title = escape(report.title);
    let text = escape(report.text);
    let author = escape(author);
    let related = if report.status == "amended" {
        format!(
            "<relatedDocument typeCode=\"RPLC\"><parentDocument><id root=\"{}.1\"/></parentDocument></relatedDocument>",
            report.unique_id
        )
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="1.2.840.10008.9.1"/>
  <id root="{uid}"/>
  <code code="18748-4" codeSystem="2.16.840.1.113883.6.1" displayName="Diagnostic imaging study"/>
  <title>{title}</title>
  <effectiveTime value="{date}093000+0000"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="en-GB"/>
  <setId root="{uid}"/>
  <versionNumber value="{version}"/>
  <recordTarget><patientRole>
    <id root="{NHS_NUMBER_OID}" extension="{nhs_number}"/>
    <patient><name><given>TRAINING</given><family>Patient</family></name></patient>
  </patientRole></recordTarget>
  <author><time value="{date}"/><assignedAuthor><id root="2.999.6" extension="reporter-1"/>
    <assignedPerson><name><prefix>Dr</prefix><given>Synthetic</given><family>Reporter</family></name></assignedPerson>
    <representedOrganization><name>{author}</name></representedOrganization>
  </assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization><id root="2.999.7"/><name>{author}</name></representedCustodianOrganization></assignedCustodian></custodian>
  <legalAuthenticator><time value="{date}"/><signatureCode code="S"/><assignedEntity><id root="2.999.6" extension="reporter-1"/></assignedEntity></legalAuthenticator>
  {related}
  <component><structuredBody>
    <component><section><code code="121060" codeSystem="1.2.840.10008.2.16.4" displayName="History"/><title>Clinical information</title>
      <text><paragraph>Synthetic request: headaches; exclude intracranial pathology.</paragraph></text></section></component>
    <component><section><code code="121070" codeSystem="1.2.840.10008.2.16.4" displayName="Findings"/><title>Findings</title>
      <text><paragraph>{text}</paragraph>
        <list listType="unordered"><item>Ventricles of <content styleCode="Bold">normal</content> size.</item><item>No restricted diffusion.</item></list>
        <table><thead><tr><th>Sequence</th><th>Plane</th></tr></thead>
          <tbody><tr><td>T2</td><td>Axial</td></tr><tr><td>FLAIR</td><td>Coronal</td></tr></tbody></table>
      </text></section></component>
    <component><section><code code="121076" codeSystem="1.2.840.10008.2.16.4" displayName="Conclusions"/><title>Impression</title>
      <text><list listType="ordered"><item>Normal MR head (synthetic).</item><item>Amended: sequence table added.</item></list></text></section></component>
  </structuredBody></component>
</ClinicalDocument>
"#,
        uid = report.unique_id,
        version = if related.is_empty() { 1 } else { 2 },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn the_rich_history_holds_a_pdf_a_text_and_a_cda_report_over_xca() {
        let catalogue = Catalogue::build();
        let formats: Vec<XcaFormat> = catalogue.reports[0].iter().map(|r| r.xca_format).collect();
        assert_eq!(
            formats,
            vec![
                XcaFormat::Pdf,
                XcaFormat::Text,
                XcaFormat::Fhir,
                XcaFormat::Cda
            ]
        );
        let [pdf, text, fhir, cda] = &catalogue.reports[0][..] else {
            panic!("four reports");
        };
        assert!(report_document(pdf, "9912003888", "North")
            .1
            .starts_with(b"%PDF-"));
        assert_eq!(entry_format(pdf).1, "urn:ihe:rad:PDF");
        let (mime, bytes) = report_document(text, "9912003888", "North");
        assert_eq!(mime, "text/plain");
        assert!(String::from_utf8(bytes)
            .unwrap()
            .contains("Synthetic MDT outcome"));
        assert_eq!(
            report_document(fhir, "9912003888", "North").0,
            "application/fhir+json"
        );
        let (mime, bytes) = report_document(cda, "9912003888", "North & South");
        assert_eq!(mime, "text/xml");
        let xml = String::from_utf8(bytes).unwrap();
        assert!(xml.contains(r#"extension="9912003888""#));
        assert!(
            xml.contains(r#"typeCode="RPLC""#),
            "the MR head report is amended"
        );
        assert!(xml.contains("North &amp; South"));
        // The viewer's own reader accepts it.
        assert!(nir_core::registry::xca::xml_tree::parse(xml.as_bytes()).is_ok());
    }
}
