//! The FHIR R4 `AuditEvent` form of an event, following IHE BALP: RESTful `search`/`read`
//! subtypes for queries and retrievals, DICOM 110114 user authentication for sign-in and
//! sign-out, the patient as an entity identified by NHS number, records by identifier, and
//! the request id as a BALP `XrequestId` entity. A request refused by the origin policy is
//! a DICOM 110113 Security Alert (PS3.16 CID 400) with the refused host as a detail.

use serde_json::{json, Value};

use super::{Action, AuditEvent, Outcome};

const AUDIT_EVENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-event-type";
const RESTFUL_INTERACTION: &str = "http://hl7.org/fhir/restful-interaction";
const DICOM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const VIEWER_SUBTYPES: &str = "urn:nir-viewer:audit-subtype";
const ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const BALP_ENTITY_TYPE: &str = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType";
const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
const CIS2_USER: &str = "https://fhir.nhs.uk/Id/nhsid-useruid";
const ODS: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

/// `(type, subtype, action code)` for an action.
fn classify(action: &Action) -> (Value, Value, &'static str) {
    let rest = coding(AUDIT_EVENT_TYPE, "rest", "RESTful Operation");
    let auth = coding(DICOM, "110114", "User Authentication");
    let viewer = coding(DICOM, "110110", "Patient Record");
    match action {
        Action::SignIn => (auth, coding(DICOM, "110122", "Login"), "E"),
        Action::SignOut => (auth, coding(DICOM, "110123", "Logout"), "E"),
        Action::Lock { .. } => (auth, coding(VIEWER_SUBTYPES, "lock", "Session locked"), "E"),
        Action::Query { .. } => (rest, coding(RESTFUL_INTERACTION, "search", "search"), "E"),
        Action::Retrieve => (rest, coding(RESTFUL_INTERACTION, "read", "read"), "R"),
        Action::View => (viewer, coding(VIEWER_SUBTYPES, "view", "Viewed"), "R"),
        Action::Close => (viewer, coding(VIEWER_SUBTYPES, "close", "Closed"), "E"),
        Action::Wipe { .. } => (
            viewer,
            coding(VIEWER_SUBTYPES, "wipe", "Wiped from memory"),
            "D",
        ),
        Action::OriginRefused { .. } => (
            coding(DICOM, "110113", "Security Alert"),
            coding(
                VIEWER_SUBTYPES,
                "origin-refused",
                "Request to an address outside the origin policy refused",
            ),
            "E",
        ),
    }
}

fn outcome_code(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "0",
        Outcome::MinorFailure => "4",
        Outcome::SeriousFailure => "8",
    }
}

/// Builds the `AuditEvent` resource.
pub fn to_fhir_audit_event(event: &AuditEvent) -> Value {
    let (event_type, subtype, action) = classify(&event.action);
    let mut agents = vec![json!({
        "type": { "coding": [coding("http://dicom.nema.org/resources/ontology/DCM", "110152", "Destination Role ID")] },
        "who": { "display": concat!("nir-viewer ", env!("CARGO_PKG_VERSION")) },
        "requestor": false
    })];
    if let Some(actor) = &event.actor {
        agents.push(json!({
            "type": { "coding": [coding("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "PROV", "healthcare provider")] },
            "who": { "identifier": { "system": CIS2_USER, "value": actor.user_id } },
            "role": [{ "coding": [{ "system": "https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode", "code": actor.role }] }],
            "requestor": true,
            "extension": [{
                "url": "https://fhir.nhs.uk/StructureDefinition/Extension-Organisation",
                "valueIdentifier": { "system": ODS, "value": actor.ods_code }
            }]
        }));
    }
    let mut entities = Vec::new();
    if let Some(patient) = &event.patient {
        entities.push(json!({
            "what": { "identifier": { "system": NHS_NUMBER, "value": patient.as_digits() } },
            "type": coding(ENTITY_TYPE, "1", "Person"),
            "role": coding(OBJECT_ROLE, "1", "Patient")
        }));
    }
    for entity in &event.entities {
        entities.push(json!({
            "what": { "identifier": { "value": entity.id }, "display": entity.kind },
            "type": coding(ENTITY_TYPE, "2", "System Object"),
            "role": coding(OBJECT_ROLE, "4", "Domain Resource")
        }));
    }
    if let Some(request_id) = &event.request_id {
        entities.push(json!({
            "what": { "identifier": { "value": request_id } },
            "type": coding(BALP_ENTITY_TYPE, "XrequestId", "X-Request-Id")
        }));
    }
    entities.push(json!({
        "what": { "identifier": { "value": event.correlation_id } },
        "type": coding(BALP_ENTITY_TYPE, "XcorrelationId", "X-Correlation-Id")
    }));
    let mut details = Vec::new();
    match &event.action {
        Action::Query { networks } => {
            for (network, status) in networks {
                details
                    .push(json!({ "type": format!("network:{network}"), "valueString": status }));
            }
        }
        Action::Lock { reason } => details.push(json!({ "type": "reason", "valueString": reason })),
        Action::Wipe { scope } => details.push(json!({ "type": "scope", "valueString": scope })),
        Action::OriginRefused { host } => {
            details.push(json!({ "type": "refused-host", "valueString": host }));
        }
        _ => {}
    }
    if !details.is_empty() {
        entities.push(json!({
            "type": coding(ENTITY_TYPE, "2", "System Object"),
            "role": coding(OBJECT_ROLE, "24", "Query"),
            "detail": details
        }));
    }
    json!({
        "resourceType": "AuditEvent",
        "id": event.id,
        "meta": { "profile": ["https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"] },
        "type": event_type,
        "subtype": [subtype],
        "action": action,
        "recorded": event.recorded.to_rfc3339(),
        "outcome": outcome_code(event.outcome),
        "agent": agents,
        "source": {
            "observer": { "display": "nir-viewer" },
            "type": [coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")]
        },
        "entity": entities
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Actor;
    use crate::nhs_number::NhsNumber;

    fn actor() -> Actor {
        Actor {
            user_id: "555254242106".into(),
            role: "R8000".into(),
            ods_code: "X26".into(),
        }
    }

    #[test]
    fn a_query_names_patient_networks_and_request() {
        let event = AuditEvent::new(
            Action::Query {
                networks: vec![
                    ("North".into(), "answered".into()),
                    ("South".into(), "timed out".into()),
                ],
            },
            Outcome::MinorFailure,
            "corr-1",
        )
        .by(Some(actor()))
        .about(&NhsNumber::parse("9912003888").unwrap())
        .request("req-1");
        let resource = to_fhir_audit_event(&event);
        assert_eq!(resource["resourceType"], "AuditEvent");
        assert_eq!(resource["subtype"][0]["code"], "search");
        assert_eq!(resource["outcome"], "4");
        let text = resource.to_string();
        assert!(text.contains("\"value\":\"9912003888\""));
        assert!(text.contains("network:South"));
        assert!(text.contains("req-1") && text.contains("corr-1"));
        assert!(text.contains("R8000") && text.contains("X26"));
    }

    #[test]
    fn an_origin_refusal_is_a_security_alert_naming_the_host() {
        let event = AuditEvent::new(
            Action::OriginRefused {
                host: "attacker.example:8443".into(),
            },
            Outcome::MinorFailure,
            "c",
        )
        .by(Some(actor()))
        .entity("report", "rec-1");
        let resource = to_fhir_audit_event(&event);
        assert_eq!(resource["type"]["code"], "110113");
        assert_eq!(resource["subtype"][0]["code"], "origin-refused");
        assert_eq!(resource["outcome"], "4");
        assert!(resource.to_string().contains("attacker.example:8443"));
    }

    #[test]
    fn sign_in_uses_the_dicom_login_subtype() {
        let event = AuditEvent::new(Action::SignIn, Outcome::Success, "c").by(Some(actor()));
        let resource = to_fhir_audit_event(&event);
        assert_eq!(resource["type"]["code"], "110114");
        assert_eq!(resource["subtype"][0]["code"], "110122");
        assert!(
            !resource.to_string().contains(NHS_NUMBER),
            "no patient at sign-in"
        );
    }
}
