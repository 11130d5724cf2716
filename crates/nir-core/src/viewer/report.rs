//! Reports: a FHIR `DiagnosticReport` (or another FHIR document a pointer names) fetched
//! over HTTP, or through the registry for XCA records, into the vault; its text shown, its
//! PDF (from `presentedForm`) served to the window from memory. Closing the patient wipes
//! both; reopening fetches again. A report's address is checked against the session's
//! origin policy before the request (and its token) is sent. An XCA report is read by the
//! media type it is declared with (see `report_format`): FHIR JSON, a PDF (kept and served
//! like a FHIR report's), plain text, or an HL7 CDA R2 document (see `report_cda`), whose
//! patient is checked as a FHIR report's subject is.

use base64::Engine as _;
use serde_json::Value;

use super::report_cda::parse_cda;
use super::report_format::{check_content, declared, format_of, ReportFormat};
use super::report_text::{charset_of, decode_text};
use super::views::{ReportSection, ReportView};
use super::{PointerKind, ViewerError, ViewerSession};
use crate::audit::{Action, Outcome};
use crate::registry::{DocumentStatus, RetrievalRef};
use crate::vault::ItemKey;

/// Largest report accepted (JSON with an embedded PDF).
const REPORT_LIMIT: usize = 32 << 20;

impl ViewerSession {
    /// Fetches a report and answers what the window shows.
    pub async fn open_report(&self, record_id: &str) -> Result<ReportView, ViewerError> {
        let (patient, nhs_number, pointer) = self.pointer(record_id)?;
        if pointer.kind == PointerKind::ImagingStudy {
            return Err(ViewerError::NotOpenable(
                "it is an imaging study, not a report".into(),
            ));
        }
        let (body, media_type) = match (&pointer.url, &pointer.xca) {
            (Some(url), _) => (
                self.fetch_report(url.clone(), &nhs_number, record_id)
                    .await?,
                "application/fhir+json".to_owned(),
            ),
            (None, Some(retrieval)) => {
                let document = self.xca_document(&pointer).await?;
                let listed = match retrieval {
                    RetrievalRef::XcaDocument { mime_type, .. } => mime_type.as_str(),
                    _ => "",
                };
                let media_type = declared(listed, &document.mime_type).map_err(report_error)?;
                (document.content, media_type.to_owned())
            }
            (None, None) => {
                return Err(ViewerError::NotOpenable(
                    "it has no retrieval address".into(),
                ))
            }
        };
        let expected = nhs_number.as_digits();
        let parsed =
            super::study::blocking(move || read_report(&media_type, &body, &expected)).await?;
        // Kept (and shown) only for the patient the request began for.
        self.still_open(&patient)?;
        let mut pdf_url = None;
        if let Some(pdf) = parsed.pdf {
            self.keep(&patient, None, format!("report-pdf:{record_id}"), pdf)?;
            pdf_url = Some(format!("/report/{record_id}"));
        }
        self.audit_event(
            self.new_event(Action::View, Outcome::Success)
                .about(&nhs_number)
                .entity("report", record_id),
        );
        Ok(ReportView {
            record_id: record_id.to_owned(),
            title: parsed.title.unwrap_or_else(|| pointer.description.clone()),
            date: parsed.date.or(pointer.date),
            author: parsed.author.or(Some(pointer.provider_name)),
            status: parsed.status.or(pointer.status),
            text: parsed.text,
            pdf_url,
            format: parsed.format,
            sections: parsed.sections,
        })
    }

    /// Reads a FHIR report resource over HTTP into memory.
    async fn fetch_report(
        &self,
        url: url::Url,
        nhs_number: &crate::nhs_number::NhsNumber,
        record_id: &str,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, ViewerError> {
        let grant = self.check_origin(&url, nhs_number, record_id)?;
        let mut request = self
            .http()
            .get(url)
            .header("accept", "application/fhir+json")
            .header("cache-control", "no-store")
            .header("x-request-id", uuid::Uuid::new_v4().to_string())
            .header("x-correlation-id", self.correlation_id())
            .header("nhsd-end-user-organisation-ods", self.ods_code());
        if let Some(token) = crate::net::AccessTokens::bearer(&*self.parts.tokens)
            .filter(|_| grant == crate::net::Grant::WithToken)
        {
            request = request.bearer_auth(token.as_str());
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| ViewerError::Report(e.without_url().to_string()))?;
        if !response.status().is_success() {
            self.audit_event(
                self.new_event(Action::View, Outcome::SeriousFailure)
                    .about(nhs_number)
                    .entity("report", record_id),
            );
            return Err(ViewerError::Report(format!(
                "the provider answered {}",
                response.status()
            )));
        }
        let mut body = zeroize::Zeroizing::new(Vec::new());
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| ViewerError::Report(e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > REPORT_LIMIT {
                return Err(ViewerError::Report(
                    "it is larger than the viewer accepts".into(),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The PDF of an opened report, from memory.
    pub fn report_pdf(
        &self,
        record_id: &str,
    ) -> Result<std::sync::Arc<crate::vault::SecretBuffer>, ViewerError> {
        let patient = self.patient_key()?;
        self.vault
            .get(&ItemKey {
                patient,
                study: None,
                name: format!("report-pdf:{record_id}"),
            })
            .ok_or(ViewerError::UnknownRecord)
    }

    fn patient_key(&self) -> Result<crate::vault::PatientKey, ViewerError> {
        self.patient()
            .as_ref()
            .map(|s| s.key.clone())
            .ok_or(ViewerError::NoPatient)
    }
}

/// What a report says, whatever its format.
#[derive(Debug, PartialEq)]
pub(crate) struct ParsedReport {
    pub title: Option<String>,
    pub date: Option<String>,
    pub author: Option<String>,
    pub status: Option<DocumentStatus>,
    pub text: String,
    pub pdf: Option<Vec<u8>>,
    pub format: ReportFormat,
    pub sections: Vec<ReportSection>,
}

impl Default for ParsedReport {
    fn default() -> Self {
        Self {
            title: None,
            date: None,
            author: None,
            status: None,
            text: String::new(),
            pdf: None,
            format: ReportFormat::Fhir,
            sections: Vec::new(),
        }
    }
}

fn report_error(error: impl std::fmt::Display) -> ViewerError {
    ViewerError::Report(error.to_string())
}

/// Reads a report's bytes by the media type declared for them, after checking the bytes
/// are of that type; `expected` is the NHS number (digits) of the patient looked up.
pub(crate) fn read_report(
    media_type: &str,
    body: &[u8],
    expected: &str,
) -> Result<ParsedReport, ViewerError> {
    let format = format_of(media_type).map_err(report_error)?;
    check_content(format, media_type, body).map_err(report_error)?;
    match format {
        ReportFormat::Sr => Err(ViewerError::Report(
            "a structured report is read from its study".into(),
        )),
        ReportFormat::Fhir => {
            let json: Value = serde_json::from_slice(body)
                .map_err(|_| ViewerError::Report("it is not valid FHIR JSON".into()))?;
            check_subject(&json, expected)?;
            parse_report(&json)
        }
        ReportFormat::Pdf => Ok(ParsedReport {
            pdf: Some(body.to_vec()),
            format,
            ..ParsedReport::default()
        }),
        ReportFormat::Text => Ok(ParsedReport {
            text: decode_text(body, charset_of(media_type).as_deref()).map_err(report_error)?,
            format,
            ..ParsedReport::default()
        }),
        ReportFormat::Cda => {
            let document = parse_cda(body).map_err(report_error)?;
            // The same refusal as a FHIR report's subject (`check_subject`).
            if document.nhs_numbers.iter().any(|n| n != expected) {
                return Err(ViewerError::ReportOfAnotherPatient);
            }
            let sections: Vec<ReportSection> = document
                .sections
                .into_iter()
                .map(|s| ReportSection {
                    heading: s.heading,
                    text: s.text,
                })
                .collect();
            let text = sections
                .iter()
                .map(|s| match (s.heading.is_empty(), s.text.is_empty()) {
                    (true, _) => s.text.clone(),
                    (false, true) => s.heading.clone(),
                    (false, false) => format!("{}\n{}", s.heading, s.text),
                })
                .collect::<Vec<_>>()
                .join("\n\n");
            Ok(ParsedReport {
                title: document.title,
                date: document.date,
                author: document.author,
                status: document.status,
                text,
                pdf: None,
                format,
                sections,
            })
        }
    }
}

/// NHS number identifier system (FHIR UK Core).
const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// Refuses a report resource whose subject carries an NHS number other than `expected`: the
/// patient's identifier on `subject.identifier`, on a contained Patient `subject.reference`
/// points to (`#id`), or in a `Patient?identifier=` search reference. A report that names
/// no NHS number is shown (nothing to compare); the pointer already named the patient.
pub(crate) fn check_subject(json: &Value, expected: &str) -> Result<(), ViewerError> {
    let Some(subject) = json.get("subject") else {
        return Ok(());
    };
    let mut named: Vec<String> = Vec::new();
    let mut take = |identifier: &Value| {
        if identifier.get("system").and_then(Value::as_str) == Some(NHS_NUMBER_SYSTEM) {
            if let Some(value) = identifier.get("value").and_then(Value::as_str) {
                named.push(value.chars().filter(char::is_ascii_digit).collect());
            }
        }
    };
    if let Some(identifier) = subject.get("identifier") {
        take(identifier);
    }
    if let Some(reference) = subject.get("reference").and_then(Value::as_str) {
        if let Some(id) = reference.strip_prefix('#') {
            let contained = json.get("contained").and_then(Value::as_array);
            for resource in contained.into_iter().flatten() {
                if resource.get("id").and_then(Value::as_str) == Some(id) {
                    for identifier in resource
                        .get("identifier")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        take(identifier);
                    }
                }
            }
        } else if let Some((_, query)) = reference.split_once('?') {
            for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
                if let Some(number) = value.strip_prefix(&format!("{NHS_NUMBER_SYSTEM}|")) {
                    if name == "identifier" {
                        named.push(number.chars().filter(char::is_ascii_digit).collect());
                    }
                }
            }
        }
    }
    if named.iter().any(|number| number != expected) {
        return Err(ViewerError::ReportOfAnotherPatient);
    }
    Ok(())
}

fn text_at(value: &Value, path: &[&str]) -> Option<String> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    current.as_str().map(str::to_owned)
}

/// The report's status: `DiagnosticReport.status` or `DocumentReference.docStatus` (FHIR
/// R4). Other resources' `status` (a CarePlan's `active`) says nothing about a report's
/// standing and is not read.
fn status_of(kind: &str, json: &Value) -> Option<DocumentStatus> {
    let field = match kind {
        "DiagnosticReport" => "status",
        "DocumentReference" => "docStatus",
        _ => return None,
    };
    DocumentStatus::from_code(json.get(field)?.as_str()?)
}

/// Reads a `DiagnosticReport` (conclusion, presentedForm), a `CarePlan` (title,
/// description) or any resource with a narrative.
pub(crate) fn parse_report(json: &Value) -> Result<ParsedReport, ViewerError> {
    let kind = json
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind.is_empty() {
        return Err(ViewerError::Report("it is not a FHIR resource".into()));
    }
    let mut report = ParsedReport {
        title: text_at(json, &["code", "text"]).or_else(|| text_at(json, &["title"])),
        date: text_at(json, &["effectiveDateTime"])
            .or_else(|| text_at(json, &["issued"]))
            .or_else(|| text_at(json, &["created"]))
            .map(|d| d.chars().take(10).collect()),
        author: json
            .get("performer")
            .and_then(|p| p.get(0))
            .and_then(|p| p.get("display"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        status: status_of(kind, json),
        ..ParsedReport::default()
    };
    let mut texts = Vec::new();
    for field in ["conclusion", "description"] {
        if let Some(text) = text_at(json, &[field]) {
            texts.push(text);
        }
    }
    for form in json
        .get("presentedForm")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let content_type = form
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(data) = form.get("data").and_then(Value::as_str) else {
            continue;
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| ViewerError::Report("its attachment is not valid base64".into()))?;
        if content_type.starts_with("application/pdf") {
            if !bytes.starts_with(b"%PDF-") {
                return Err(ViewerError::Report(
                    "its PDF attachment is not a PDF".into(),
                ));
            }
            report.pdf = Some(bytes);
        } else if content_type.starts_with("text/plain") {
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    if texts.is_empty() && report.pdf.is_none() {
        return Err(ViewerError::Report(
            "it holds neither text nor a PDF".into(),
        ));
    }
    report.text = texts.join("\n\n");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_conclusion_text_and_pdf() {
        let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 test");
        let text = base64::engine::general_purpose::STANDARD.encode(b"Findings: none.");
        let report = parse_report(&json!({
            "resourceType": "DiagnosticReport",
            "code": {"text": "CT chest"},
            "effectiveDateTime": "2024-03-01T10:00:00Z",
            "performer": [{"display": "North Imaging"}],
            "conclusion": "No abnormality.",
            "presentedForm": [
                {"contentType": "application/pdf", "data": pdf},
                {"contentType": "text/plain", "data": text}
            ]
        }))
        .unwrap();
        assert_eq!(report.title.as_deref(), Some("CT chest"));
        assert_eq!(report.date.as_deref(), Some("2024-03-01"));
        assert_eq!(report.text, "No abnormality.\n\nFindings: none.");
        assert_eq!(report.pdf.as_deref(), Some(&b"%PDF-1.4 test"[..]));
    }

    #[test]
    fn reads_a_reports_status_but_not_a_care_plans() {
        let report = |kind: &str, field: &str, code: &str| {
            let mut json = json!({"resourceType": kind, "conclusion": "Text."});
            json[field] = json!(code);
            parse_report(&json).unwrap().status
        };
        assert_eq!(
            report("DiagnosticReport", "status", "amended"),
            Some(DocumentStatus::Amended)
        );
        assert_eq!(
            report("DiagnosticReport", "status", "preliminary"),
            Some(DocumentStatus::Preliminary)
        );
        assert_eq!(
            report("DocumentReference", "docStatus", "final"),
            Some(DocumentStatus::Final)
        );
        assert_eq!(report("DiagnosticReport", "status", "made-up"), None);
        assert_eq!(report("CarePlan", "status", "active"), None);
        assert_eq!(report("CarePlan", "status", "final"), None);
    }

    #[test]
    fn a_report_naming_another_patient_is_refused() {
        let by_identifier = |nhs: &str| {
            json!({"resourceType": "DiagnosticReport",
                   "subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs}}})
        };
        assert!(check_subject(&by_identifier("9912003888"), "9912003888").is_ok());
        assert!(matches!(
            check_subject(&by_identifier("9000000009"), "9912003888"),
            Err(ViewerError::ReportOfAnotherPatient)
        ));
        let contained = json!({"resourceType": "DiagnosticReport",
            "contained": [{"resourceType": "Patient", "id": "p",
                "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": "900 000 0009"}]}],
            "subject": {"reference": "#p"}});
        assert!(matches!(
            check_subject(&contained, "9912003888"),
            Err(ViewerError::ReportOfAnotherPatient)
        ));
        assert!(check_subject(&contained, "9000000009").is_ok());
        let searched = json!({"resourceType": "DiagnosticReport", "subject": {"reference":
            "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009"}});
        assert!(check_subject(&searched, "9912003888").is_err());
        // Nothing to compare: shown, as before.
        let unnamed = json!({"resourceType": "DiagnosticReport", "subject": {"display": "A"}});
        assert!(check_subject(&unnamed, "9912003888").is_ok());
        assert!(check_subject(&json!({"resourceType": "DiagnosticReport"}), "1").is_ok());
    }

    #[test]
    fn refuses_non_fhir_and_fake_pdfs() {
        assert!(parse_report(&json!({"hello": 1})).is_err());
        let fake = base64::engine::general_purpose::STANDARD.encode(b"<html>");
        assert!(parse_report(&json!({
            "resourceType": "DiagnosticReport",
            "presentedForm": [{"contentType": "application/pdf", "data": fake}]
        }))
        .is_err());
    }

    fn cda_of(nhs: &str) -> String {
        format!(
            r#"<ClinicalDocument xmlns="urn:hl7-org:v3"><title>MR report</title>
<recordTarget><patientRole><id root="2.16.840.1.113883.2.1.4.1" extension="{nhs}"/></patientRole></recordTarget>
<component><structuredBody><component><section><title>Findings</title><text>Normal.</text></section></component></structuredBody></component>
</ClinicalDocument>"#
        )
    }

    #[test]
    fn reads_each_format_by_its_declared_type() {
        let pdf = read_report("application/pdf", b"%PDF-1.7 x", "9912003888").unwrap();
        assert_eq!(pdf.format, ReportFormat::Pdf);
        assert_eq!(pdf.pdf.as_deref(), Some(&b"%PDF-1.7 x"[..]));
        let text = read_report("text/plain; charset=UTF-8", b"Findings: none.\r\n", "1").unwrap();
        assert_eq!(
            (text.format, text.text.as_str()),
            (ReportFormat::Text, "Findings: none.")
        );
        let cda = read_report("text/xml", cda_of("9912003888").as_bytes(), "9912003888").unwrap();
        assert_eq!(cda.format, ReportFormat::Cda);
        assert_eq!(cda.title.as_deref(), Some("MR report"));
        assert_eq!(cda.text, "Findings\nNormal.");
        assert_eq!(cda.sections.len(), 1);
        let fhir = read_report(
            "application/fhir+json",
            br#"{"resourceType":"DiagnosticReport","conclusion":"Clear."}"#,
            "1",
        )
        .unwrap();
        assert_eq!(
            (fhir.format, fhir.text.as_str()),
            (ReportFormat::Fhir, "Clear.")
        );
    }

    #[test]
    fn a_cda_of_another_patient_or_a_mislabelled_document_is_refused() {
        assert!(matches!(
            read_report("text/xml", cda_of("9000000009").as_bytes(), "9912003888"),
            Err(ViewerError::ReportOfAnotherPatient)
        ));
        for (media_type, body) in [
            ("application/pdf", &b"Findings"[..]),
            ("text/plain", b"%PDF-1.4"),
            ("text/xml", b"%PDF-1.4"),
            ("application/fhir+json", b"<ClinicalDocument/>"),
            ("text/html", b"<p>x</p>"),
        ] {
            assert!(
                matches!(
                    read_report(media_type, body, "1"),
                    Err(ViewerError::Report(_))
                ),
                "{media_type}"
            );
        }
    }
}
