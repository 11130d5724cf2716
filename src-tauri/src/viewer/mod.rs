//! The viewer session: what one clinician has open right now, and the only place that joins
//! discovery, retrieval, decoding, the vault and the audit trail. Tauri commands and the
//! pixel endpoint call it; it knows nothing of windows. Everything clinical it holds lives
//! in the [`crate::vault::Vault`] or in structures dropped by [`ViewerSession::close_patient`].

pub mod discovery;
mod display_frame;
mod document;
mod error;
mod identity;
mod pointer;
mod report;
mod study;
mod token_slot;
pub mod views;
mod xca_records;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub use display_frame::{to_display_frame, DisplayFrame};
pub use document::document_kind;
pub use error::ViewerError;
pub use identity::{display_date, display_name, display_sex};
pub use pointer::{Pointer, PointerKind};
pub use token_slot::TokenSlot;
pub(crate) use xca_records::metadata_url_from_kos;

use crate::audit::{Action, Actor, AuditEvent, AuditTrail, Outcome};
use crate::dicomweb::DicomWebClient;
use crate::nhs_number::NhsNumber;
use crate::vault::{PatientKey, Vault};
use study::OpenStudy;

/// The session's fixed parts.
pub struct SessionParts {
    /// Shared HTTP client (from [`crate::net::build_client`]).
    pub http: reqwest::Client,
    /// Bearer tokens of the signed-in user.
    pub tokens: Arc<TokenSlot>,
    /// The consuming organisation's ODS code.
    pub ods_code: String,
    /// Memory budget for clinical content.
    pub budget_bytes: u64,
    /// Where audit events go.
    pub audit: Arc<AuditTrail>,
    /// Training mode (synthetic patients).
    pub training: bool,
    /// Where the session's requests, and the token, may go.
    pub origins: crate::net::OriginPolicy,
}

/// One patient's open state.
struct PatientState {
    nhs_number: NhsNumber,
    key: PatientKey,
    pointers: HashMap<String, Pointer>,
    studies: HashMap<String, OpenStudy>,
    /// Study metadata already read (by the identity check), by record id.
    layouts: HashMap<String, Arc<crate::dicomweb::StudyLayout>>,
    /// What each study read so far says about the patient, newest study first.
    identities: Vec<(String, identity::StudyIdentity, Option<String>)>,
}

impl PatientState {
    /// Keeps (or replaces) what a study's images say about the patient, newest first.
    fn remember_identity(&mut self, pointer: &Pointer, study: identity::StudyIdentity) {
        self.identities.retain(|(id, _, _)| *id != pointer.id);
        let at = self
            .identities
            .iter()
            .position(|(_, _, date)| *date < pointer.date)
            .unwrap_or(self.identities.len());
        self.identities
            .insert(at, (pointer.id.clone(), study, pointer.date.clone()));
    }

    /// The banner's verdict over every study read so far.
    fn identity_verdict(&self) -> views::IdentityView {
        let studies: Vec<identity::StudyIdentity> =
            self.identities.iter().map(|(_, s, _)| s.clone()).collect();
        identity::verdict(&self.nhs_number, &studies)
    }
}

/// The viewer session.
pub struct ViewerSession {
    parts: SessionParts,
    correlation_id: String,
    dicomweb: Arc<DicomWebClient>,
    vault: Vault,
    actor: Mutex<Option<Actor>>,
    patient: Mutex<Option<PatientState>>,
    /// The registry XCA records are fetched through.
    document_source: Mutex<Option<Arc<dyn crate::registry::DiscoveryBackend>>>,
}

impl ViewerSession {
    /// A session with nothing open.
    pub fn new(parts: SessionParts) -> Self {
        let tokens: Arc<dyn crate::net::AccessTokens> = parts.tokens.clone();
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let dicomweb = Arc::new(
            DicomWebClient::new(parts.http.clone(), tokens)
                .with_nir_headers(&parts.ods_code, &correlation_id)
                .with_origin_policy(parts.origins.clone()),
        );
        let budget = usize::try_from(parts.budget_bytes).unwrap_or(usize::MAX);
        Self {
            correlation_id,
            dicomweb,
            vault: Vault::new(budget),
            actor: Mutex::new(None),
            patient: Mutex::new(None),
            document_source: Mutex::new(None),
            parts,
        }
    }

    fn patient(&self) -> MutexGuard<'_, Option<PatientState>> {
        self.patient.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session's `X-Correlation-ID`.
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    /// Whether this is training mode.
    pub fn is_training(&self) -> bool {
        self.parts.training
    }

    /// The ODS code requests are made for.
    pub fn ods_code(&self) -> &str {
        &self.parts.ods_code
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.parts.http
    }

    /// The audit trail.
    pub fn audit(&self) -> &Arc<AuditTrail> {
        &self.parts.audit
    }

    /// The vault (for statistics and tests).
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Records who is signed in (audit events name them).
    pub fn set_actor(&self, actor: Option<Actor>) {
        *self.actor.lock().unwrap_or_else(|p| p.into_inner()) = actor;
    }

    /// Records an audit event for the current user.
    pub fn audit_event(&self, event: AuditEvent) {
        let actor = self.actor.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.parts.audit.record(event.by(actor));
    }

    fn new_event(&self, action: Action, outcome: Outcome) -> AuditEvent {
        AuditEvent::new(action, outcome, &self.correlation_id)
    }

    /// Checks an address a record names against the origin policy before anything is sent
    /// to it; a refusal is audited (the host, the patient, the record id) and answered in
    /// the clinician's words.
    fn check_origin(
        &self,
        url: &url::Url,
        nhs_number: &NhsNumber,
        record_id: &str,
    ) -> Result<crate::net::Grant, ViewerError> {
        self.parts.origins.check(url).map_err(|refusal| {
            self.audit_refusal(&refusal, nhs_number, record_id);
            ViewerError::OriginRefused(refusal)
        })
    }

    /// Audits a request the origin policy refused.
    fn audit_refusal(
        &self,
        refusal: &crate::net::OriginRefusal,
        nhs_number: &NhsNumber,
        record_id: &str,
    ) {
        tracing::warn!(host = %refusal.host, "request refused by the origin policy");
        self.audit_event(
            self.new_event(
                Action::OriginRefused {
                    host: refusal.host.clone(),
                },
                Outcome::MinorFailure,
            )
            .about(nhs_number)
            .entity("pointer", record_id),
        );
    }

    /// Makes `nhs_number` the current patient with these pointers, wiping any previous one.
    pub fn set_patient(&self, nhs_number: NhsNumber, pointers: Vec<Pointer>) {
        self.close_patient();
        crate::logging::register_sensitive_term(&nhs_number.as_digits());
        let key = PatientKey::new(uuid::Uuid::new_v4().to_string());
        *self.patient() = Some(PatientState {
            nhs_number,
            key,
            pointers: pointers.into_iter().map(|p| (p.id.clone(), p)).collect(),
            studies: HashMap::new(),
            layouts: HashMap::new(),
            identities: Vec::new(),
        });
    }

    /// The current patient's pointer `record_id`.
    pub fn pointer(&self, record_id: &str) -> Result<(NhsNumber, Pointer), ViewerError> {
        let guard = self.patient();
        let state = guard.as_ref().ok_or(ViewerError::NoPatient)?;
        let pointer = state
            .pointers
            .get(record_id)
            .cloned()
            .ok_or(ViewerError::UnknownRecord)?;
        Ok((state.nhs_number.clone(), pointer))
    }

    /// Closes everything about the current patient: cancels retrievals, wipes the vault.
    pub fn close_patient(&self) {
        let Some(state) = self.patient().take() else {
            return;
        };
        for study in state.studies.values() {
            study.cancel.cancel();
        }
        let removed = self.vault.wipe_patient(&state.key);
        crate::logging::forget_sensitive_terms();
        self.audit_event(
            self.new_event(
                Action::Wipe {
                    scope: "patient".into(),
                },
                Outcome::Success,
            )
            .about(&state.nhs_number),
        );
        self.audit().forget_patient_in_recent();
        tracing::info!(items = removed, "patient closed and wiped");
    }

    /// Wipes the whole session (lock, sign-out, exit).
    pub fn wipe_all(&self) {
        self.close_patient();
        self.vault.wipe_all();
    }

    fn with_study<T>(
        &self,
        study_key: &str,
        f: impl FnOnce(&PatientState, &OpenStudy) -> T,
    ) -> Result<T, ViewerError> {
        let guard = self.patient();
        let state = guard.as_ref().ok_or(ViewerError::NoPatient)?;
        let study = state
            .studies
            .get(study_key)
            .ok_or(ViewerError::StudyClosed)?;
        Ok(f(state, study))
    }
}

impl Drop for ViewerSession {
    fn drop(&mut self) {
        self.wipe_all();
    }
}
