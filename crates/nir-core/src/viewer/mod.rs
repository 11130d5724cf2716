//! The viewer session: what one clinician has open right now, and the only place that joins
//! discovery, retrieval, decoding, the vault and the audit trail. Tauri commands and the
//! pixel endpoint call it; it knows nothing of windows. Everything clinical it holds lives
//! in the [`crate::vault::Vault`] or in structures dropped by [`ViewerSession::close_patient`].
//!
//! Work that awaits the network (a look-up, a study's metadata, a report, an image, a
//! background retrieval) is bound to the patient it began for: each opening of a patient has
//! its own vault key, results are kept only after re-checking under the session's lock that
//! the same opening is still current, and a look-up carries a generation that a newer
//! look-up, a close, a lock or a sign-out moves on, so a late answer is set aside with
//! [`ViewerError::PatientChanged`] or [`ViewerError::LookupSuperseded`] instead of being
//! filed under whoever is open by then.

pub mod discovery;
mod display_frame;
mod document;
mod error;
mod identity;
mod in_flight;
mod key_images;
mod pointer;
mod presentation_state;
mod presentation_view;
mod preview;
mod report;
mod report_cda;
pub mod report_format;
mod report_text;
mod slice_geometry;
mod study;
mod token_slot;
pub mod views;
mod xca_records;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub use display_frame::{to_display_frame, DisplayFrame};
pub use document::document_kind;
pub use error::ViewerError;
pub use identity::{display_date, display_name, display_sex};
pub use pointer::{Pointer, PointerKind};
pub use slice_geometry::slice_position;
pub use study::FrameFacts;
pub use token_slot::TokenSlot;
pub use xca_records::metadata_url_from_kos;

use crate::audit::{Action, Actor, AuditEvent, AuditTrail, Outcome};
use crate::dicomweb::DicomWebClient;
use crate::logging::SensitiveTerm;
use crate::nhs_number::NhsNumber;
use crate::vault::{ItemKey, PatientKey, Reservation, SecretBuffer, Vault, VaultError};
use study::OpenStudy;

/// Most words of patient names one patient's state registers for log redaction (a hostile
/// study could name thousands of people; beyond this, the name patterns still apply).
const MAX_NAME_WORDS: usize = 256;

/// Which look-up a result belongs to: a newer look-up, a close, a lock or a sign-out makes
/// every earlier generation stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupGeneration(u64);

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
    /// First images of studies still opening, shown before their metadata, by record id.
    previews: HashMap<String, preview::Preview>,
    /// Studies still opening: dropping the state (a close, switch or lock) cancels them.
    openings: HashMap<u64, tokio_util::sync::DropGuard>,
    /// What each study read so far says about the patient, newest study first.
    identities: Vec<(String, identity::StudyIdentity, Option<String>)>,
    /// The patient's NHS number and the names their images carry, registered for log
    /// redaction for as long as this state lives.
    terms: Vec<SensitiveTerm>,
    /// The name words already registered (upper case).
    name_words: BTreeSet<String>,
}

impl PatientState {
    fn new(key: PatientKey, nhs_number: NhsNumber, pointers: Vec<Pointer>) -> Self {
        let terms = crate::logging::hold_sensitive_term(&nhs_number.as_digits())
            .into_iter()
            .collect();
        Self {
            nhs_number,
            key,
            pointers: pointers.into_iter().map(|p| (p.id.clone(), p)).collect(),
            studies: HashMap::new(),
            layouts: HashMap::new(),
            previews: HashMap::new(),
            openings: HashMap::new(),
            identities: Vec::new(),
            terms,
            name_words: BTreeSet::new(),
        }
    }

    /// Registers every name a study's images carry for log redaction, word by word.
    fn protect_names(&mut self, layout: &crate::dicomweb::StudyLayout) {
        for word in identity::name_words(layout) {
            if self.name_words.len() >= MAX_NAME_WORDS {
                return;
            }
            if self.name_words.insert(word.to_uppercase()) {
                self.terms
                    .extend(crate::logging::hold_sensitive_term(&word));
            }
        }
    }

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
    /// The newest look-up generation; moved on only while `patient` is locked.
    lookups: AtomicU64,
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
            lookups: AtomicU64::new(0),
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

    /// Starts a look-up: every earlier one becomes stale.
    pub fn begin_lookup(&self) -> LookupGeneration {
        let _guard = self.patient();
        LookupGeneration(self.lookups.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Makes `nhs_number` the current patient with these pointers, wiping any previous one,
    /// if `generation` is still the newest look-up (no newer look-up, close, lock or
    /// sign-out since it began); otherwise nothing changes.
    pub fn set_patient(
        &self,
        generation: LookupGeneration,
        nhs_number: NhsNumber,
        pointers: Vec<Pointer>,
    ) -> Result<(), ViewerError> {
        let mut guard = self.patient();
        if self.lookups.load(Ordering::SeqCst) != generation.0 {
            return Err(ViewerError::LookupSuperseded);
        }
        let state = PatientState::new(self.vault.open_patient(), nhs_number, pointers);
        let previous = guard.replace(state);
        drop(guard);
        if let Some(previous) = previous {
            self.wipe_closed(previous);
        }
        Ok(())
    }

    /// The current patient's pointer `record_id`, with the key of the patient's opening that
    /// work on it is bound to.
    pub fn pointer(
        &self,
        record_id: &str,
    ) -> Result<(PatientKey, NhsNumber, Pointer), ViewerError> {
        let guard = self.patient();
        let state = guard.as_ref().ok_or(ViewerError::NoPatient)?;
        let pointer = state
            .pointers
            .get(record_id)
            .cloned()
            .ok_or(ViewerError::UnknownRecord)?;
        Ok((state.key.clone(), state.nhs_number.clone(), pointer))
    }

    /// Closes everything about the current patient: makes pending look-ups stale, cancels
    /// retrievals, wipes the vault.
    pub fn close_patient(&self) {
        let state = {
            let mut guard = self.patient();
            self.lookups.fetch_add(1, Ordering::SeqCst);
            guard.take()
        };
        if let Some(state) = state {
            self.wipe_closed(state);
        }
    }

    /// Cancels, wipes and audits a patient already taken out of the session.
    fn wipe_closed(&self, state: PatientState) {
        for study in state.studies.values() {
            study.cancel.cancel();
        }
        let removed = self.vault.wipe_patient(&state.key);
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
        // Dropping the state unregisters its terms from log redaction.
        drop(state);
    }

    /// Wipes the whole session (lock, sign-out, exit).
    pub fn wipe_all(&self) {
        self.close_patient();
        self.vault.wipe_all();
    }

    /// Fails unless `patient` is still the open patient.
    fn still_open(&self, patient: &PatientKey) -> Result<(), ViewerError> {
        match self.patient().as_ref() {
            Some(state) if state.key == *patient => Ok(()),
            _ => Err(ViewerError::PatientChanged),
        }
    }

    /// Keeps `bytes` in the vault for the patient opening (and open study) some work began
    /// for, checked and stored under the session's lock so that a close cannot slip in
    /// between; refused (and the bytes dropped) when that patient or study is closed.
    fn keep(
        &self,
        patient: &PatientKey,
        study_key: Option<&str>,
        name: String,
        bytes: Vec<u8>,
    ) -> Result<Arc<SecretBuffer>, ViewerError> {
        self.keep_with(patient, study_key, name, bytes, None)
    }

    /// [`Self::keep`] for a study item, against the study's budget reservation.
    fn keep_reserved(
        &self,
        patient: &PatientKey,
        study_key: &str,
        name: String,
        bytes: Vec<u8>,
        reservation: &mut Reservation,
    ) -> Result<Arc<SecretBuffer>, ViewerError> {
        self.keep_with(patient, Some(study_key), name, bytes, Some(reservation))
    }

    fn keep_with(
        &self,
        patient: &PatientKey,
        study_key: Option<&str>,
        name: String,
        bytes: Vec<u8>,
        reservation: Option<&mut Reservation>,
    ) -> Result<Arc<SecretBuffer>, ViewerError> {
        let guard = self.patient();
        let Some(state) = guard.as_ref().filter(|s| s.key == *patient) else {
            return Err(ViewerError::PatientChanged);
        };
        let study = match study_key {
            Some(key) => Some(
                state
                    .studies
                    .get(key)
                    .ok_or(ViewerError::StudyClosed)?
                    .vault_key
                    .clone(),
            ),
            None => None,
        };
        let item = ItemKey {
            patient: patient.clone(),
            study,
            name,
        };
        let kept = match reservation {
            Some(reservation) => self.vault.put_reserved(item, bytes, reservation),
            None => self.vault.put(item, bytes),
        };
        kept.map_err(|error| match error {
            VaultError::PatientClosed => ViewerError::PatientChanged,
            other => ViewerError::Budget(other),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> ViewerSession {
        ViewerSession::new(SessionParts {
            http: reqwest::Client::new(),
            tokens: Arc::new(TokenSlot::default()),
            ods_code: "TRAIN1".into(),
            budget_bytes: 1 << 20,
            audit: Arc::new(AuditTrail::new(None)),
            training: true,
            // These tests fetch nothing: no origin is allowed.
            origins: crate::net::OriginPolicy::listed(std::iter::empty(), true),
        })
    }

    fn open(session: &ViewerSession, nhs: &str) -> PatientKey {
        let nhs = NhsNumber::parse(nhs).unwrap();
        session
            .set_patient(session.begin_lookup(), nhs, Vec::new())
            .unwrap();
        session.patient().as_ref().unwrap().key.clone()
    }

    #[test]
    fn work_finishing_after_a_close_or_switch_keeps_nothing() {
        let session = session();
        let first = open(&session, "9912003888");
        session
            .keep(&first, None, "report-pdf:r1".into(), vec![1; 8])
            .unwrap();
        // A background retrieval or report fetch begun for the first patient ends after
        // they were closed, then after another patient was opened.
        session.close_patient();
        let late = session.keep(&first, None, "report-pdf:r2".into(), vec![2; 8]);
        assert!(matches!(late, Err(ViewerError::PatientChanged)), "{late:?}");
        let second = open(&session, "9912003918");
        let late = session.keep(&first, None, "report-pdf:r3".into(), vec![3; 8]);
        assert!(matches!(late, Err(ViewerError::PatientChanged)), "{late:?}");
        assert_eq!(session.vault().stats().items, 0);
        let unknown_study = session.keep(&second, Some("gone"), "i".into(), vec![4; 8]);
        assert!(matches!(unknown_study, Err(ViewerError::StudyClosed)));
        session
            .keep(&second, None, "report-pdf:r4".into(), vec![5; 8])
            .unwrap();
        assert_eq!(session.vault().stats().items, 1);
    }

    #[test]
    fn a_lookup_begun_before_a_close_or_a_newer_lookup_is_stale() {
        let session = session();
        let nhs = || NhsNumber::parse("9912003888").unwrap();
        let before_close = session.begin_lookup();
        session.close_patient();
        assert!(matches!(
            session.set_patient(before_close, nhs(), Vec::new()),
            Err(ViewerError::LookupSuperseded)
        ));
        let older = session.begin_lookup();
        let newer = session.begin_lookup();
        assert!(session.set_patient(older, nhs(), Vec::new()).is_err());
        session.set_patient(newer, nhs(), Vec::new()).unwrap();
        assert!(session.patient().is_some());
    }
}
