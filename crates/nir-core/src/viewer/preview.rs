//! The first image before the metadata. While a study's metadata is still being read, the
//! series its layout will put first is already asked for ([`crate::dicomweb::EarlySeries`]);
//! that request's first part, if it passes the pointer checks (patient and issuer, study,
//! series, declared lengths), is decoded beside it and held here as a provisional image,
//! one per record, and the window is told it can fetch it. It is handed out once
//! (view-only: asked for again, it is gone), and handing it out to be shown is audited as a
//! view of the study; it is dropped when the study finishes opening or fails to, and with
//! the patient's state on a switch, lock or close; its samples are zeroised when dropped. Closing the patient while the
//! study opens also stops the early request at once (a guard in the patient's state). The
//! metadata has not listed the image yet, so the window shows it as a preview, without a
//! position in the stack, and replaces it with the study when the study opens (hazard log
//! H-35). What the early request brings is held against a small reservation of the memory
//! budget until the study's own reservation replaces it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use zeroize::{Zeroize, Zeroizing};

use super::display_frame::{to_display_frame, DisplayFrame};
use super::{Pointer, ViewerError, ViewerSession};
use crate::audit::{Action, Outcome};
use crate::dicomweb::multipart::Part;
use crate::dicomweb::verify::{Expectations, InstanceFacts};
use crate::dicomweb::{EarlySeries, EarlyStart, FirstPartHook};
use crate::imaging::{decode_image, DecodeLimits};
use crate::nhs_number::NhsNumber;
use crate::vault::{PatientKey, Reservation};

/// Bytes the early series request may bring before the metadata arrives.
const EARLY_HOLD_BYTES: usize = 64 << 20;

/// A provisional first image, decoded, and whose study it is (for the audit when it is
/// shown); its samples are zeroised when it is dropped.
pub(super) struct Preview {
    /// `None` once handed out.
    frame: Option<DisplayFrame>,
    of: Expectations,
}

impl Drop for Preview {
    fn drop(&mut self) {
        if let Some(frame) = self.frame.as_mut() {
            frame.bytes.zeroize();
            if let Some(table) = frame.voi_lut.as_mut() {
                table.entries.zeroize();
            }
        }
    }
}

/// One opening of a study: who is told its preview is ready, whether it is still opening
/// (once it has opened, or failed to, a preview arriving late is not held), and what stops
/// its early request should the patient be closed meanwhile (a guard held in the patient's
/// state cancels it when that state goes).
#[derive(Clone)]
pub(super) struct PreviewTarget {
    ready: Arc<dyn Fn(&str) + Send + Sync>,
    opening: Arc<AtomicBool>,
    /// Cancelled when the patient's state goes while the study opens.
    pub(super) cancel: CancellationToken,
    id: u64,
}

impl PreviewTarget {
    /// Tells `ready` of a preview while the study opens.
    pub(super) fn new(ready: Arc<dyn Fn(&str) + Send + Sync>) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Self {
            ready,
            opening: Arc::new(AtomicBool::new(true)),
            cancel: CancellationToken::new(),
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// An early series request being started, and the reservation its bytes are held against.
pub(super) struct EarlyStarting {
    task: JoinHandle<Option<EarlySeries>>,
    _hold: Reservation,
}

impl EarlyStarting {
    /// The request, if it has started by now; otherwise it is abandoned (the retrieval then
    /// makes its own first request). Its reservation goes either way: the study's own
    /// reservation, made next, covers what it brought.
    pub(super) async fn take(self) -> Option<EarlySeries> {
        if !self.task.is_finished() {
            self.task.abort();
            return None;
        }
        self.task.await.ok().flatten()
    }
}

impl ViewerSession {
    /// Starts asking for the first series of the study at `metadata_url` beside its
    /// metadata, with a preview of its first image held for the pointer's record and
    /// announced through `target`. `None` when the pointer names no study or the memory
    /// budget has no room to hold early bytes.
    pub(super) fn start_early_series(
        self: &Arc<Self>,
        metadata_url: &url::Url,
        pointer: &Pointer,
        nhs_number: &NhsNumber,
        patient: &PatientKey,
        target: PreviewTarget,
    ) -> Option<EarlyStarting> {
        let study_uid = pointer.study_uid.clone()?;
        let hold = self
            .vault
            .reserve(EARLY_HOLD_BYTES, EARLY_HOLD_BYTES)
            .ok()?;
        let expectations = Expectations {
            nhs_number: nhs_number.clone(),
            study_uid,
        };
        let cancel = target.cancel.clone();
        let hook = preview_hook(
            Arc::downgrade(self),
            (patient.clone(), pointer.id.clone()),
            expectations.clone(),
            target,
        );
        let start = EarlyStart {
            metadata_url: metadata_url.clone(),
            expectations,
            hold_bytes: EARLY_HOLD_BYTES,
            cancel,
            first_part: Some(hook),
        };
        let client = Arc::clone(&self.dicomweb);
        // On the transfer runtime, like the retrieval that adopts it.
        let task = crate::dicomweb::spawn_transfer(async move {
            client.start_early_series(start).await.ok().flatten()
        });
        Some(EarlyStarting { task, _hold: hold })
    }

    /// Marks `target`'s opening as under way for `patient`: closing that patient cancels it.
    pub(super) fn begin_opening(
        &self,
        patient: &PatientKey,
        target: &PreviewTarget,
    ) -> Result<(), ViewerError> {
        let mut guard = self.patient();
        let state = guard
            .as_mut()
            .filter(|s| s.key == *patient)
            .ok_or(ViewerError::PatientChanged)?;
        state
            .openings
            .insert(target.id, target.cancel.clone().drop_guard());
        Ok(())
    }

    /// The study of `record_id` has opened, or failed to: its preview is dropped, one still
    /// on its way is not held, and closing the patient no longer concerns this opening (the
    /// retrieval, if there is one, has its own cancellation).
    pub(super) fn end_opening(
        &self,
        patient: &PatientKey,
        record_id: &str,
        target: &PreviewTarget,
    ) {
        let mut guard = self.patient();
        target.opening.store(false, Ordering::SeqCst);
        if let Some(state) = guard.as_mut().filter(|s| s.key == *patient) {
            state.previews.remove(record_id);
            if let Some(opening) = state.openings.remove(&target.id) {
                opening.disarm();
            }
        }
    }

    /// Holds `preview` for `record_id` if `patient` is still the one open and the study is
    /// still opening (checked under the patient lock, under which [`Self::end_opening`]
    /// ends it).
    fn hold_preview(
        &self,
        patient: &PatientKey,
        record_id: &str,
        preview: Preview,
        opening: &AtomicBool,
    ) -> bool {
        let mut guard = self.patient();
        match guard.as_mut().filter(|state| state.key == *patient) {
            Some(state) if opening.load(Ordering::SeqCst) => {
                state.previews.insert(record_id.to_owned(), preview);
                true
            }
            _ => false,
        }
    }

    /// Hands out the preview held for `record_id`, once; handing it out (to be shown) is
    /// audited as a view of its study.
    pub fn take_preview(&self, record_id: &str) -> Result<DisplayFrame, ViewerError> {
        let mut preview = self
            .patient()
            .as_mut()
            .and_then(|state| state.previews.remove(record_id))
            .ok_or(ViewerError::NoSuchImage)?;
        self.audit_event(
            self.new_event(Action::View, Outcome::Success)
                .about(&preview.of.nhs_number)
                .entity("study", &preview.of.study_uid),
        );
        preview.frame.take().ok_or(ViewerError::NoSuchImage)
    }
}

/// Decodes the first verified part, off the thread that checked it (so its filing does not
/// wait for the decode), and holds it as the record's preview.
fn preview_hook(
    session: Weak<ViewerSession>,
    (patient, record_id): (PatientKey, String),
    expectations: Expectations,
    target: PreviewTarget,
) -> FirstPartHook {
    Box::new(move |part: &Part, _facts: &InstanceFacts| {
        if !target.opening.load(Ordering::SeqCst) {
            return;
        }
        let bytes = Zeroizing::new(part.body.to_vec());
        tokio::task::spawn_blocking(move || {
            let Some(session) = session.upgrade() else {
                return;
            };
            // A decoder failing on hostile bytes loses the preview, nothing else.
            let decoded = std::panic::catch_unwind(|| {
                decode_image(&bytes, &DecodeLimits::default(), Some(0))
                    .ok()
                    .and_then(|decoded| {
                        let frame = decoded.frames.first()?;
                        Some(to_display_frame(frame, decoded.rows, decoded.columns))
                    })
            });
            let Ok(Some(frame)) = decoded else {
                return;
            };
            let preview = Preview {
                frame: Some(frame),
                of: expectations,
            };
            if session.hold_preview(&patient, &record_id, preview, &target.opening) {
                (target.ready)(&record_id);
            }
        });
    })
}
