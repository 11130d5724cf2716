//! The XCA client against the specification's gateway: Success, PartialSuccess with one
//! community down (named by `location`, by `codeContext`, or not at all), an entry missing
//! `repositoryUniqueId`, SOAP faults, a `RelatesTo` naming another request, both patient
//! identifier forms, and ITI-39 retrieval of a KOS manifest and a report over MTOM/XOP.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::kos;
use super::responder::{Community, Entry, Gateway, Script};
use crate::support::{record_of_kind, record_with_id};
use nir_viewer::config::PatientIdForm;
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings};
use nir_viewer::registry::{
    Completeness, DiscoveryBackend, HistoryQuery, ImagingHistory, KnownNetwork, NetworkStatus,
    RecordKind, RegistryError, RequestContext, RetrievalRef, RetryPolicy, XcaBackend, XcaSettings,
};
use zeroize::Zeroizing;

pub const PATIENT: &str = "9912003888";
pub const NORTH: &str = "urn:oid:2.999.60.1";
pub const EAST: &str = "urn:oid:2.999.60.2";
pub const SOUTH: &str = "urn:oid:2.999.60.3";

/// A fixed bearer token, as a signed-in session would hold.
pub struct Bearer;

impl AccessTokens for Bearer {
    fn bearer(&self) -> Option<Zeroizing<String>> {
        Some(Zeroizing::new("gateway-test-token".to_owned()))
    }
}

/// The networks an organisation names in `[[nir.networks]]`.
pub fn configured_networks() -> Vec<KnownNetwork> {
    [
        (NORTH, "North Imaging Network"),
        (EAST, "East Imaging Network"),
        (SOUTH, "South Imaging Network"),
    ]
    .into_iter()
    .map(|(id, name)| KnownNetwork {
        home_community_id: id.into(),
        name: name.into(),
        ods_codes: Vec::new(),
        care_setting: String::new(),
    })
    .collect()
}

fn entry(id: &str, mime: &str, class_code: &str, title: &str, content: Vec<u8>) -> Entry {
    Entry {
        unique_id: id.into(),
        repository: Some(format!("{id}.9")),
        mime: mime.into(),
        class_code: class_code.into(),
        title: title.into(),
        date: "20240102101500".into(),
        content,
    }
}

/// North holds a study (its KOS manifest) and its report; East a second report; South is
/// up unless `south_down` says how the unavailable error names it.
pub fn script(known_patient: &str, south_down: Option<(&str, &str)>) -> Script {
    Script {
        known_patient: known_patient.into(),
        communities: vec![
            Community {
                home: NORTH.into(),
                entries: vec![
                    entry(
                        "2.999.61.1",
                        "application/dicom",
                        "721981007",
                        "CT head",
                        kos::manifest(PATIENT),
                    ),
                    entry(
                        "2.999.61.2",
                        "application/fhir+json",
                        "4201000179104",
                        "CT head report",
                        kos::report_json(),
                    ),
                ],
                down: None,
            },
            Community {
                home: EAST.into(),
                entries: vec![entry(
                    "2.999.62.1",
                    "application/pdf",
                    "4201000179104",
                    "Ultrasound report",
                    b"%PDF-1.4\n%synthetic\n".to_vec(),
                )],
                down: None,
            },
            Community {
                home: SOUTH.into(),
                entries: Vec::new(),
                down: south_down.map(|(l, c)| (l.to_owned(), c.to_owned())),
            },
        ],
        relates_to_override: None,
        fault: None,
    }
}

pub fn nhs_nh() -> String {
    format!("{PATIENT}^^^NHS^NH")
}

pub fn backend(gateway: &Gateway, form: PatientIdForm, networks: Vec<KnownNetwork>) -> XcaBackend {
    let mut settings = XcaSettings::new(gateway.query_url(), gateway.retrieve_url(), networks)
        .with_patient_id_form(form);
    settings.retry = RetryPolicy {
        deadline: std::time::Duration::from_secs(10),
        ..RetryPolicy::default()
    };
    XcaBackend::new(
        build_client(&NetworkSettings::default()).unwrap(),
        settings,
        RequestContext {
            correlation_id: "xca-gateway-test".into(),
            ods_code: "X26".into(),
            tokens: Arc::new(Bearer),
        },
    )
}

async fn discover(backend: &XcaBackend) -> Result<ImagingHistory, RegistryError> {
    let query = HistoryQuery::for_patient(PATIENT).unwrap();
    backend.discover(&query, &CancellationToken::new()).await
}

/// The history a backend asking in `form` over `networks` is given by `gateway`; every request
/// the gateway saw is checked against the specification.
async fn checked_history(
    gateway: &Gateway,
    form: PatientIdForm,
    networks: Vec<KnownNetwork>,
) -> ImagingHistory {
    let history = discover(&backend(gateway, form, networks)).await.unwrap();
    gateway.assert_requests_valid();
    history
}

/// The history the gateway serving `script` gives to NHS^NH questions over the configured
/// networks, its requests checked; the gateway is returned with it.
async fn history_from(script: Script) -> (Gateway, ImagingHistory) {
    let gateway = Gateway::start(script).await;
    let history = checked_history(&gateway, PatientIdForm::NhsNh, configured_networks()).await;
    (gateway, history)
}

fn status_of(history: &ImagingHistory, name: &str) -> NetworkStatus {
    history
        .networks
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("{name} missing from {:?}", history.networks))
        .status
}

/// Whether every network in `history` has `status`.
fn all_networks_are(history: &ImagingHistory, status: NetworkStatus) -> bool {
    history.networks.iter().all(|n| n.status == status)
}

/// The one reason an incomplete `history` gives; the test fails if it is complete or gives
/// more than one.
fn single_incompleteness(history: &ImagingHistory) -> &str {
    let Completeness::Incomplete { why } = &history.verdict else {
        panic!("a community was down: {:?}", history.verdict);
    };
    assert_eq!(why.len(), 1, "{why:?}");
    &why[0]
}

#[tokio::test]
async fn success_gives_a_complete_history_named_from_the_configuration() {
    let (_gateway, history) = history_from(script(&nhs_nh(), None)).await;
    assert_eq!(history.verdict, Completeness::Complete);
    assert_eq!(history.records.len(), 3);
    assert!(history
        .records
        .iter()
        .all(|r| matches!(r.retrieval, RetrievalRef::XcaDocument { .. })));
    for (name, status) in [
        ("North Imaging Network", NetworkStatus::Answered),
        ("East Imaging Network", NetworkStatus::Answered),
        ("South Imaging Network", NetworkStatus::NoRecords),
    ] {
        assert_eq!(status_of(&history, name), status, "{name}");
    }
    assert!(history
        .networks
        .iter()
        .all(|n| !n.name.starts_with("urn:oid:")));
    let study = record_of_kind(&history, RecordKind::ImagingStudy);
    assert_eq!(
        study.provider_name.as_deref(),
        Some("North Imaging Network")
    );
}

#[tokio::test]
async fn partial_success_names_the_community_that_is_down() {
    let down = Some((SOUTH, "Responding gateway did not answer in time"));
    let (_gateway, history) = history_from(script(&nhs_nh(), down)).await;
    assert_eq!(history.records.len(), 3);
    assert_eq!(
        status_of(&history, "South Imaging Network"),
        NetworkStatus::Unavailable
    );
    assert_eq!(
        status_of(&history, "North Imaging Network"),
        NetworkStatus::Answered
    );
    let why = single_incompleteness(&history);
    assert!(why.starts_with("South Imaging Network"), "{why}");
}

#[tokio::test]
async fn a_community_the_configuration_does_not_name_takes_the_gateways_name_then_its_id() {
    let gateway = Gateway::start(script(
        &nhs_nh(),
        Some((
            "InitiatingGateway.relay(Gateway.java:118)",
            "South Coast Imaging (urn:oid:2.999.60.3) could not be contacted",
        )),
    ))
    .await;
    let history = checked_history(&gateway, PatientIdForm::NhsNh, Vec::new()).await;
    assert_eq!(
        status_of(&history, "South Coast Imaging"),
        NetworkStatus::Unavailable
    );
    // North and East answered but nobody named them: the id is the last resort.
    assert_eq!(status_of(&history, NORTH), NetworkStatus::Answered);
    assert!(matches!(history.verdict, Completeness::Incomplete { .. }));
}

#[tokio::test]
async fn a_failure_naming_no_community_still_says_one_did_not_answer() {
    let down = Some(("", "A community could not be contacted"));
    let (_gateway, history) = history_from(script(&nhs_nh(), down)).await;
    assert_eq!(history.records.len(), 3);
    let why = single_incompleteness(&history);
    assert!(why.contains("A community did not answer"), "{why}");
    assert!(history
        .networks
        .iter()
        .any(|n| n.home_community_id.is_empty() && n.status == NetworkStatus::Unavailable));
}

#[tokio::test]
async fn an_entry_without_repository_is_kept_as_one_that_cannot_be_opened() {
    let mut script = script(&nhs_nh(), None);
    script.communities[0].entries[1].repository = None;
    let gateway = Gateway::start(script).await;
    let backend = backend(&gateway, PatientIdForm::NhsNh, configured_networks());
    let history = discover(&backend).await.unwrap();
    gateway.assert_requests_valid();
    assert_eq!(history.records.len(), 3, "every entry is kept");
    let report = record_with_id(&history, "2.999.61.2");
    let reason = report.retrieval.unopenable_reason().unwrap();
    assert!(reason.contains("repositoryUniqueId"), "{reason}");
    let openable = history
        .records
        .iter()
        .filter(|r| r.retrieval.unopenable_reason().is_none())
        .count();
    assert_eq!(openable, 2);
    let north = history
        .networks
        .iter()
        .find(|n| n.home_community_id == NORTH)
        .unwrap();
    assert_eq!(north.status, NetworkStatus::Answered);
    assert_eq!(north.unopenable_records, 1);
    assert!(
        north.reason.contains("cannot be opened"),
        "{}",
        north.reason
    );
    let refused = backend
        .retrieve_document(&report.retrieval, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(refused, RegistryError::InvalidQuery(_)));
    assert_eq!(gateway.requests().len(), 1, "nothing is sent for it");
}

#[tokio::test]
async fn a_receiver_fault_marks_every_network_and_a_sender_fault_is_an_error() {
    let mut receiver = script(&nhs_nh(), None);
    receiver.fault = Some((500, "S:Receiver", "GatewayUnavailable", "Registry offline"));
    let (_gateway, history) = history_from(receiver).await;
    assert!(history.records.is_empty());
    assert!(all_networks_are(&history, NetworkStatus::Unavailable));
    assert!(matches!(history.verdict, Completeness::Incomplete { .. }));

    let mut sender = script(&nhs_nh(), None);
    sender.fault = Some((400, "S:Sender", "InvalidRequest", "Request refused"));
    let gateway = Gateway::start(sender).await;
    let error = discover(&backend(
        &gateway,
        PatientIdForm::NhsNh,
        configured_networks(),
    ))
    .await
    .unwrap_err();
    assert_eq!(
        error,
        RegistryError::Rejected {
            code: "InvalidRequest".into(),
            detail: "Request refused".into()
        }
    );
}

#[tokio::test]
async fn an_answer_relating_to_another_request_is_refused() {
    let mut script = script(&nhs_nh(), None);
    script.relates_to_override = Some("urn:uuid:00000000-0000-4000-8000-00000000dead".into());
    let gateway = Gateway::start(script).await;
    let backend = backend(&gateway, PatientIdForm::NhsNh, configured_networks());
    let history = discover(&backend).await.unwrap();
    gateway.assert_requests_valid();
    assert!(
        history.records.is_empty(),
        "nothing of a stray answer is used"
    );
    assert!(all_networks_are(&history, NetworkStatus::Error));
    let retrieval = RetrievalRef::XcaDocument {
        home_community_id: NORTH.into(),
        repository_id: "2.999.61.1.9".into(),
        document_id: "2.999.61.1".into(),
        mime_type: "application/dicom".into(),
    };
    let error = backend
        .retrieve_document(&retrieval, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::Malformed { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_patient_is_named_in_the_configured_form() {
    for (form, known) in [
        (PatientIdForm::NhsNh, nhs_nh()),
        (
            PatientIdForm::IsoOid,
            format!("{PATIENT}^^^&2.16.840.1.113883.2.1.4.1&ISO"),
        ),
    ] {
        let gateway = Gateway::start(script(&known, None)).await;
        let history = checked_history(&gateway, form, configured_networks()).await;
        assert_eq!(
            gateway.requests()[0].patient_id.as_deref(),
            Some(known.as_str())
        );
        assert_eq!(history.records.len(), 3, "{form:?}");
    }
    // A gateway that knows the other form finds nothing, and says so successfully.
    let gateway = Gateway::start(script(&nhs_nh(), None)).await;
    let history = checked_history(&gateway, PatientIdForm::IsoOid, configured_networks()).await;
    assert!(history.records.is_empty());
}

#[tokio::test]
async fn cross_gateway_retrieve_returns_the_manifest_and_the_report() {
    let gateway = Gateway::start(script(&nhs_nh(), None)).await;
    let backend = backend(&gateway, PatientIdForm::NhsNh, configured_networks());
    let history = discover(&backend).await.unwrap();
    let study = record_of_kind(&history, RecordKind::ImagingStudy);
    let manifest = backend
        .retrieve_document(&study.retrieval, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(&manifest.content[..], &kos::manifest(PATIENT)[..]);
    assert_eq!(manifest.mime_type, "application/dicom");
    let parsed = nir_viewer::imaging::source::parse_dicom(&manifest.content).unwrap();
    let sop_class = parsed
        .dataset
        .element(dicom_dictionary_std::tags::SOP_CLASS_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches('\0')
        .to_owned();
    assert_eq!(sop_class, kos::KOS_SOP_CLASS);

    let report = record_with_id(&history, "2.999.61.2");
    let document = backend
        .retrieve_document(&report.retrieval, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(document.mime_type, "application/fhir+json");
    assert_eq!(&document.content[..], &kos::report_json()[..]);
    gateway.assert_requests_valid();
    let actions: Vec<_> = gateway.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            "urn:ihe:iti:2007:CrossGatewayQuery",
            "urn:ihe:iti:2007:CrossGatewayRetrieve",
            "urn:ihe:iti:2007:CrossGatewayRetrieve"
        ]
    );
}
