//! Smartcard presence through PC/SC. At sign-in the watch notes the reader holding the
//! card; when that card leaves (or the reader disappears) the session locks and is wiped at
//! once. Readers sit behind the small [`CardReaders`] trait so a test double can drive a
//! removal; [`PcscReaders`] is the real one. Where the configuration demands smartcard
//! assurance (`accepted_amr` holds `N3_SMARTCARD`) a card that cannot be watched (no PC/SC
//! service, no card in a reader) fails the sign-in; otherwise (training mode, CI) the viewer
//! says so once in the log and carries on without a card watch.

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::sign_in_state::{EndReason, SignInState};
use crate::error::{ErrorCode, UserFacing};

/// How long one wait on the reader lasts before the watch checks whether to stop.
pub const DEFAULT_POLL: Duration = Duration::from_millis(500);

/// Why the card cannot be watched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmartcardError {
    /// No PC/SC resource manager (pcscd, Windows Smart Card service) is running.
    #[error("no PC/SC service is running")]
    NoService,
    /// No reader holds a card.
    #[error("no smartcard is inserted in any reader")]
    NoCard,
    /// PC/SC reported a failure.
    #[error("PC/SC failed on {operation}: {reason}")]
    Pcsc {
        /// The call that failed.
        operation: &'static str,
        /// PC/SC's description.
        reason: String,
    },
}

impl UserFacing for SmartcardError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NoService => ErrorCode::SmartcardServiceMissing,
            Self::NoCard => ErrorCode::SmartcardMissing,
            Self::Pcsc { .. } => ErrorCode::SmartcardReader,
        }
    }
    fn user_message(&self) -> String {
        match self {
            Self::NoCard => "Insert your smartcard to sign in.".into(),
            _ => format!("The smartcard reader cannot be used ({self})."),
        }
    }
}

/// The readers of the machine, as far as the card watch needs them.
pub trait CardReaders: Send {
    /// Names of the readers holding a card now.
    fn readers_with_card(&mut self) -> Result<Vec<String>, SmartcardError>;
    /// Waits up to `timeout` for `reader` to change, then says whether a card is in it.
    fn card_present_after_wait(
        &mut self,
        reader: &str,
        timeout: Duration,
    ) -> Result<bool, SmartcardError>;
}

/// The platform's PC/SC readers.
pub struct PcscReaders {
    context: pcsc::Context,
    state: Option<pcsc::ReaderState>,
}

impl std::fmt::Debug for PcscReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscReaders").finish_non_exhaustive()
    }
}

fn pcsc_error(operation: &'static str) -> impl Fn(pcsc::Error) -> SmartcardError {
    move |error| match error {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => SmartcardError::NoService,
        other => SmartcardError::Pcsc {
            operation,
            reason: other.to_string(),
        },
    }
}

impl PcscReaders {
    /// Connects to the PC/SC service.
    pub fn connect() -> Result<Self, SmartcardError> {
        let context = pcsc::Context::establish(pcsc::Scope::User)
            .map_err(pcsc_error("establishing a context"))?;
        Ok(Self {
            context,
            state: None,
        })
    }
}

impl CardReaders for PcscReaders {
    fn readers_with_card(&mut self) -> Result<Vec<String>, SmartcardError> {
        let names = self
            .context
            .list_readers_owned()
            .map_err(pcsc_error("listing readers"))?;
        let mut states: Vec<pcsc::ReaderState> = names
            .into_iter()
            .map(|name| pcsc::ReaderState::new(name, pcsc::State::UNAWARE))
            .collect();
        if states.is_empty() {
            return Ok(Vec::new());
        }
        self.context
            .get_status_change(Duration::ZERO, &mut states)
            .map_err(pcsc_error("reading reader states"))?;
        Ok(states
            .iter()
            .filter(|s| s.event_state().contains(pcsc::State::PRESENT))
            .map(|s| s.name().to_string_lossy().into_owned())
            .collect())
    }

    fn card_present_after_wait(
        &mut self,
        reader: &str,
        timeout: Duration,
    ) -> Result<bool, SmartcardError> {
        let name = CString::new(reader).map_err(|_| SmartcardError::Pcsc {
            operation: "naming the reader",
            reason: "the reader name holds a NUL byte".into(),
        })?;
        let state = self
            .state
            .get_or_insert_with(|| pcsc::ReaderState::new(name, pcsc::State::UNAWARE));
        match self
            .context
            .get_status_change(timeout, std::slice::from_mut(state))
        {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(error) => return Err(pcsc_error("waiting for a card change")(error)),
        }
        let event = state.event_state();
        state.sync_current_state();
        if event.intersects(pcsc::State::UNKNOWN | pcsc::State::UNAVAILABLE) {
            return Ok(false);
        }
        Ok(event.contains(pcsc::State::PRESENT))
    }
}

static NO_SERVICE_REPORTED: AtomicBool = AtomicBool::new(false);

/// A running card watch; stops when dropped.
#[derive(Debug)]
pub struct CardWatch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A card found in a reader at sign-in, to be watched once the session is signed in.
pub struct FoundCard {
    readers: Box<dyn CardReaders>,
    reader: String,
}

impl std::fmt::Debug for FoundCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoundCard")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl FoundCard {
    /// The first reader holding a card.
    pub fn find(mut readers: Box<dyn CardReaders>) -> Result<Self, SmartcardError> {
        let reader = readers
            .readers_with_card()?
            .into_iter()
            .next()
            .ok_or(SmartcardError::NoCard)?;
        Ok(Self { readers, reader })
    }

    /// Locks `session` when this card leaves its reader. The first wait reports the
    /// reader's state at once, so a card pulled since [`Self::find`] still locks.
    pub fn watch(
        self,
        session: &Arc<SignInState>,
        poll: Duration,
    ) -> Result<CardWatch, SmartcardError> {
        let Self {
            mut readers,
            reader,
        } = self;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let session = Arc::downgrade(session);
        let thread = std::thread::Builder::new()
            .name("nir-card-watch".into())
            .spawn(move || watch(readers.as_mut(), &reader, &session, &stopping, poll))
            .map_err(|e| SmartcardError::Pcsc {
                operation: "starting the card watch",
                reason: e.to_string(),
            })?;
        Ok(CardWatch {
            stop,
            thread: Some(thread),
        })
    }
}

/// The platform's PC/SC readers, boxed for [`find_for_sign_in`].
pub fn pcsc_readers() -> Result<Box<dyn CardReaders>, SmartcardError> {
    PcscReaders::connect().map(|readers| Box::new(readers) as Box<dyn CardReaders>)
}

/// Finds the card to watch for a sign-in. When `required` (smartcard assurance configured)
/// any failure is returned, to fail the sign-in; otherwise it is logged (a missing PC/SC
/// service once per process) and the sign-in goes on without a card watch.
pub fn find_for_sign_in(
    readers: Result<Box<dyn CardReaders>, SmartcardError>,
    required: bool,
) -> Result<Option<FoundCard>, SmartcardError> {
    match readers.and_then(FoundCard::find) {
        Ok(found) => Ok(Some(found)),
        Err(error) if required => Err(error),
        Err(SmartcardError::NoService) => {
            if !NO_SERVICE_REPORTED.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    code = "smartcard-service-missing",
                    "no PC/SC service: smartcard removal will not lock the session"
                );
            }
            Ok(None)
        }
        Err(error) => {
            tracing::warn!(
                code = error.code().as_str(),
                "smartcard watch not started: {error}"
            );
            Ok(None)
        }
    }
}

impl CardWatch {
    /// Notes the reader holding a card now and locks `session` when that card leaves.
    pub fn start(
        readers: Box<dyn CardReaders>,
        session: &Arc<SignInState>,
        poll: Duration,
    ) -> Result<Self, SmartcardError> {
        FoundCard::find(readers)?.watch(session, poll)
    }

    /// Stops watching (the session is left as it is).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _finished = thread.join();
        }
    }
}

impl Drop for CardWatch {
    fn drop(&mut self) {
        self.halt();
    }
}

fn watch(
    readers: &mut dyn CardReaders,
    reader: &str,
    session: &Weak<SignInState>,
    stop: &AtomicBool,
    poll: Duration,
) {
    while !stop.load(Ordering::Relaxed) {
        let present = readers.card_present_after_wait(reader, poll);
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let Some(session) = session.upgrade() else {
            return;
        };
        match present {
            Ok(true) => continue,
            Ok(false) => tracing::info!("smartcard removed: locking"),
            Err(error) => tracing::warn!("smartcard reader failed ({error}): locking"),
        }
        // Fail safe: a reader that cannot be read counts as a card that is gone.
        session.lock(EndReason::CardRemoved);
        return;
    }
}

#[cfg(test)]
#[path = "smartcard_tests.rs"]
mod tests;
