//! What an audit event says, independent of how it is sent.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::nhs_number::NhsNumber;

/// The signed-in user, as CIS2 identified them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The CIS2 user id (UUID), not a name.
    pub user_id: String,
    /// The RBAC role selected at sign-in.
    pub role: String,
    /// The ODS code of the user's organisation.
    pub ods_code: String,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Action {
    /// The user signed in.
    SignIn,
    /// The user signed out.
    SignOut,
    /// The session locked (card removed, idle).
    Lock {
        /// Why it locked, in a word (`card-removed`, `idle`).
        reason: String,
    },
    /// A discovery query, with the networks asked and how each answered.
    Query {
        /// `(network name, status)` for each network asked.
        networks: Vec<(String, String)>,
    },
    /// Instances of a study were retrieved into memory.
    Retrieve,
    /// A study or report was put on screen.
    View,
    /// A study or report was closed.
    Close,
    /// Memory was wiped (patient switch, lock, sign-out, exit).
    Wipe {
        /// What was wiped: `study`, `patient` or `session`.
        scope: String,
    },
    /// A record named an address the clinician's token may not go to; nothing was sent.
    OriginRefused {
        /// The host (and port) named, without path or query.
        host: String,
    },
}

/// Whether the action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// It worked.
    Success,
    /// It failed because of the user or the request (FHIR outcome 4).
    MinorFailure,
    /// It failed on the server or network side (FHIR outcome 8).
    SeriousFailure,
}

/// A record the event is about: a pointer, a study or a report, by identifier only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityRef {
    /// `study`, `report` or `pointer`.
    pub kind: String,
    /// Its identifier (pointer id, Study Instance UID, report id).
    pub id: String,
}

/// One audited event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Unique id of the event.
    pub id: String,
    /// When it happened.
    pub recorded: DateTime<Utc>,
    /// What happened.
    pub action: Action,
    /// How it ended.
    pub outcome: Outcome,
    /// Who did it; `None` only before sign-in completes.
    pub actor: Option<Actor>,
    /// The patient concerned, if any.
    #[serde(skip)]
    pub patient: Option<NhsNumber>,
    /// The records concerned.
    pub entities: Vec<EntityRef>,
    /// The `X-Request-ID` of the request that carried it out, when there was one.
    pub request_id: Option<String>,
    /// The session's `X-Correlation-ID`.
    pub correlation_id: String,
}

impl AuditEvent {
    /// A new event stamped now with a fresh id.
    pub fn new(action: Action, outcome: Outcome, correlation_id: &str) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            recorded: Utc::now(),
            action,
            outcome,
            actor: None,
            patient: None,
            entities: Vec::new(),
            request_id: None,
            correlation_id: correlation_id.to_owned(),
        }
    }

    /// Sets who did it.
    pub fn by(mut self, actor: Option<Actor>) -> Self {
        self.actor = actor;
        self
    }

    /// Sets the patient.
    pub fn about(mut self, patient: &NhsNumber) -> Self {
        self.patient = Some(patient.clone());
        self
    }

    /// Adds a record the event concerns.
    pub fn entity(mut self, kind: &str, id: &str) -> Self {
        self.entities.push(EntityRef {
            kind: kind.to_owned(),
            id: id.to_owned(),
        });
        self
    }

    /// Sets the request id.
    pub fn request(mut self, request_id: &str) -> Self {
        self.request_id = Some(request_id.to_owned());
        self
    }
}
