//! Reading an NRL v3 / MHD search Bundle: DocumentReference entries become history
//! records, `search.mode = outcome` OperationOutcome entries name networks that did not
//! answer, and the next page is found from `link[relation=next]` or, from older NRL
//! deployments, a `next-page-token` in `meta.tag`. Types are strict: a field of the wrong
//! JSON type makes the whole page an error for this request, never a panic.
//!
//! Which network a record belongs to: no NHS or IHE profile defines a "network" element on
//! DocumentReference; real NRL pointers name their source in `custodian` and `author`
//! (ODS identifiers, system `https://fhir.nhs.uk/Id/ods-organization-code`). So a record is
//! attributed by its custodian's (then its authors') ODS code to the known network holding
//! that organisation, and otherwise to a network of its own named after the custodian. A
//! home-community-id extension, when a registry adds one, is only a hint that names the
//! network directly.

use serde::Deserialize;
use serde_json::Value;

use super::outcome::{Coding, OperationOutcome};
use crate::registry::backend::NetworkFailure;
use crate::registry::model::{
    HistoryRecord, KnownNetwork, NetworkStatus, RecordKind, RetrievalRef,
};

/// The ODS code system of NHS organisation identifiers.
pub const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Prefix of the network key of an organisation that belongs to no configured network.
pub const ODS_NETWORK_PREFIX: &str = "ods:";
/// Key of a network an OperationOutcome says did not answer without naming it.
pub const UNNAMED_NETWORK: &str = "unnamed";

/// Optional extension carrying the network's home community id (a hint; not part of any
/// published profile).
pub const HOME_COMMUNITY_EXTENSION: &str =
    "https://fhir.nhs.uk/StructureDefinition/Extension-NIR-HomeCommunityId";

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BundlePage {
    /// Records on this page.
    pub records: Vec<HistoryRecord>,
    /// Networks the server says did not answer.
    pub failures: Vec<NetworkFailure>,
    /// How to get the next page.
    pub next: Option<NextPage>,
    /// `Bundle.total`, when given.
    pub total: Option<u64>,
}

/// The next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPage {
    /// A URL to GET.
    Link(String),
    /// An older NRL token to send back as `next-page-token`.
    Token(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    resource_type: String,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    link: Vec<Link>,
    #[serde(default)]
    entry: Vec<Entry>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Link {
    relation: String,
    url: String,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    tag: Vec<Coding>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    resource: Option<Value>,
    #[serde(default)]
    search: Option<Search>,
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    mode: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DocumentReference {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    extension: Vec<Extension>,
    #[serde(default)]
    master_identifier: Option<Identifier>,
    #[serde(default, rename = "type")]
    kind: Option<Concept>,
    #[serde(default)]
    category: Vec<Concept>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    custodian: Option<Reference>,
    #[serde(default)]
    author: Vec<Reference>,
    #[serde(default)]
    description: Option<String>,
    /// The document's own status (composition-status), not the pointer's `status`.
    #[serde(default)]
    doc_status: Option<String>,
    #[serde(default)]
    content: Vec<Content>,
    #[serde(default)]
    context: Option<Context>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extension {
    url: String,
    #[serde(default)]
    value_uri: Option<String>,
}

#[derive(Deserialize, Default)]
struct Identifier {
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<Concept>,
}

#[derive(Deserialize, Default)]
struct Concept {
    #[serde(default)]
    coding: Vec<Coding>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    identifier: Option<Identifier>,
    #[serde(default)]
    display: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    attachment: Attachment,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Context {
    #[serde(default)]
    practice_setting: Option<Concept>,
    #[serde(default)]
    related: Vec<Reference>,
    #[serde(default)]
    event: Vec<Concept>,
}

/// Parses one search Bundle page. `known` supplies network names for records whose
/// custodian carries no display.
pub fn parse_bundle(body: &[u8], known: &[KnownNetwork]) -> Result<BundlePage, String> {
    let bundle: Bundle = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if bundle.resource_type != "Bundle" {
        return Err(format!("expected a Bundle, got {}", bundle.resource_type));
    }
    let mut page = BundlePage {
        total: bundle.total,
        ..BundlePage::default()
    };
    for (index, entry) in bundle.entry.into_iter().enumerate() {
        let Some(resource) = entry.resource else {
            continue;
        };
        let resource_type = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let is_outcome = entry.search.and_then(|s| s.mode).as_deref() == Some("outcome");
        match resource_type {
            "DocumentReference" => {
                let pointer: DocumentReference =
                    serde_json::from_value(resource).map_err(|e| format!("entry {index}: {e}"))?;
                page.records.push(record_from(pointer, known)?);
            }
            "OperationOutcome" if is_outcome => {
                let outcome: OperationOutcome =
                    serde_json::from_value(resource).map_err(|e| format!("entry {index}: {e}"))?;
                page.failures.extend(failures_from(&outcome, known));
            }
            other => return Err(format!("entry {index}: unexpected {other}")),
        }
    }
    page.next = bundle
        .link
        .iter()
        .find(|l| l.relation == "next")
        .map(|l| NextPage::Link(l.url.clone()))
        .or_else(|| {
            bundle.meta.and_then(|m| {
                m.tag.into_iter().find_map(|t| {
                    let named = [t.system.as_deref(), t.display.as_deref()]
                        .iter()
                        .any(|s| s.is_some_and(|s| s.contains("next-page-token")));
                    if named {
                        t.code.map(NextPage::Token)
                    } else {
                        None
                    }
                })
            })
        });
    Ok(page)
}

fn failures_from(outcome: &OperationOutcome, known: &[KnownNetwork]) -> Vec<NetworkFailure> {
    let mut failures = Vec::new();
    for issue in &outcome.issue {
        let status = match issue.code.as_str() {
            "timeout" => NetworkStatus::TimedOut,
            "forbidden" | "security" => NetworkStatus::AccessDenied,
            "throttled" => NetworkStatus::RateLimited,
            _ => NetworkStatus::Unavailable,
        };
        let before = failures.len();
        for coding in issue.details.iter().flat_map(|d| d.coding.iter()) {
            let Some(code) = coding.code.clone() else {
                continue;
            };
            let key = match coding.system.as_deref() {
                Some("urn:ietf:rfc:3986") => code,
                Some(ODS_SYSTEM) => network_of_ods(&code, known),
                _ => continue,
            };
            failures.push(NetworkFailure {
                home_community_id: key,
                name: coding.display.clone(),
                status,
            });
        }
        // An outcome entry that names no network still says one did not answer.
        if failures.len() == before && issue.severity != "information" {
            failures.push(NetworkFailure {
                home_community_id: UNNAMED_NETWORK.into(),
                name: Some("A network that the registry did not name".into()),
                status,
            });
        }
    }
    failures
}

/// The key of the network holding the organisation `ods`: a known network's, or one of
/// the organisation's own.
fn network_of_ods(ods: &str, known: &[KnownNetwork]) -> String {
    known
        .iter()
        .find(|n| {
            n.ods_codes
                .iter()
                .any(|code| code.eq_ignore_ascii_case(ods))
        })
        .map(|n| n.home_community_id.clone())
        .unwrap_or_else(|| format!("{ODS_NETWORK_PREFIX}{}", ods.to_ascii_uppercase()))
}

fn ods_of(reference: &Reference) -> Option<&str> {
    let identifier = reference.identifier.as_ref()?;
    let system = identifier.system.as_deref().unwrap_or(ODS_SYSTEM);
    (system == ODS_SYSTEM)
        .then_some(identifier.value.as_deref())
        .flatten()
        .filter(|v| !v.trim().is_empty())
}

fn strip_oid(value: &str) -> String {
    value.strip_prefix("urn:oid:").unwrap_or(value).to_string()
}

fn codes<'a>(concepts: &'a [&'a Concept]) -> impl Iterator<Item = String> + 'a {
    concepts
        .iter()
        .flat_map(|c| c.coding.iter())
        .filter_map(|c| c.code.clone())
}

fn record_from(
    pointer: DocumentReference,
    known: &[KnownNetwork],
) -> Result<HistoryRecord, String> {
    let attachment = pointer
        .content
        .first()
        .map(|c| &c.attachment)
        .ok_or("a DocumentReference has no content")?;
    let url = attachment
        .url
        .clone()
        .ok_or("a DocumentReference has no attachment url")?;
    let content_type = attachment.content_type.clone().unwrap_or_default();
    let is_dicom = content_type.starts_with("application/dicom");
    let mut concepts: Vec<&Concept> = pointer.category.iter().collect();
    concepts.extend(pointer.kind.iter());
    let kind = codes(&concepts)
        .find_map(|c| RecordKind::from_snomed_code(&c))
        .unwrap_or(if is_dicom {
            RecordKind::ImagingStudy
        } else {
            RecordKind::DiagnosticReport
        });
    let hinted = pointer
        .extension
        .iter()
        .find(|e| e.url == HOME_COMMUNITY_EXTENSION)
        .and_then(|e| e.value_uri.clone());
    let custodian = pointer.custodian.as_ref();
    let provider_ods = custodian.and_then(ods_of).map(str::to_owned);
    let source_ods: Vec<&str> = custodian
        .into_iter()
        .chain(pointer.author.iter())
        .filter_map(ods_of)
        .collect();
    let known_by_ods = source_ods.iter().find_map(|ods| {
        known.iter().find(|n| {
            n.ods_codes
                .iter()
                .any(|code| code.eq_ignore_ascii_case(ods))
        })
    });
    let home_community_id = hinted
        .or_else(|| known_by_ods.map(|n| n.home_community_id.clone()))
        .or_else(|| {
            source_ods
                .first()
                .map(|ods| format!("{ODS_NETWORK_PREFIX}{}", ods.to_ascii_uppercase()))
        });
    let network = known
        .iter()
        .find(|n| Some(&n.home_community_id) == home_community_id.as_ref());
    let provider_name = custodian
        .and_then(|c| c.display.clone())
        .or_else(|| network.map(|n| n.name.clone()));
    let context = pointer.context.as_ref();
    let care_setting = context
        .and_then(|c| c.practice_setting.as_ref())
        .and_then(|p| {
            p.text
                .clone()
                .or_else(|| p.coding.first().and_then(|c| c.display.clone()))
        });
    let related: Vec<&Identifier> = context
        .map(|c| {
            c.related
                .iter()
                .filter_map(|r| r.identifier.as_ref())
                .collect()
        })
        .unwrap_or_default();
    let study_uid = related
        .iter()
        .find(|i| i.system.as_deref() == Some("urn:dicom:uid"))
        .and_then(|i| i.value.as_deref())
        .map(strip_oid);
    let accession_number = related
        .iter()
        .find(|i| {
            let acsn = i
                .kind
                .as_ref()
                .is_some_and(|k| k.coding.iter().any(|c| c.code.as_deref() == Some("ACSN")));
            acsn || i.system.as_deref().is_some_and(|s| s.contains("accession"))
        })
        .and_then(|i| i.value.clone());
    let type_text = pointer.kind.as_ref().and_then(|k| k.text.clone());
    let modality = context
        .into_iter()
        .flat_map(|c| c.event.iter())
        .flat_map(|e| e.coding.iter())
        .find(|c| {
            c.system
                .as_deref()
                .is_some_and(|s| s.contains("dicom.nema.org"))
        })
        .and_then(|c| c.code.clone())
        .or_else(|| {
            let prefix = type_text.as_deref()?.split_once(": ")?.0;
            let looks_like =
                (1..=4).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_uppercase());
            looks_like.then(|| prefix.to_string())
        });
    let description = pointer.description.clone().or(type_text).or_else(|| {
        pointer
            .kind
            .as_ref()
            .and_then(|k| k.coding.first())
            .and_then(|c| c.display.clone())
    });
    let date = pointer
        .date
        .as_deref()
        .and_then(|d| d.get(..10))
        .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
        .map(str::to_string);
    let id = pointer
        .master_identifier
        .as_ref()
        .and_then(|m| m.value.as_deref())
        .map(strip_oid)
        .or(pointer.id.clone())
        .ok_or("a DocumentReference has no identifier")?;
    let retrieval = if is_dicom {
        RetrievalRef::WadoStudyMetadata { url }
    } else {
        RetrievalRef::FhirDocument { url, content_type }
    };
    Ok(HistoryRecord {
        id,
        kind,
        date,
        modality,
        description,
        status: pointer
            .doc_status
            .as_deref()
            .and_then(crate::registry::DocumentStatus::from_code),
        provider_name,
        provider_ods,
        care_setting,
        home_community_id,
        accession_number,
        study_uid,
        retrieval,
        linked_study: None,
    })
}
