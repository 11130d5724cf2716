//! The first image before the metadata. While a study's metadata is still being read, the
//! series its layout will put first is already asked for ([`crate::dicomweb::EarlySeries`]);
//! the first instance of it that passes the pointer checks (patient and issuer, study,
//! series, declared lengths) is decoded on the thread that checked it and held here as a
//! provisional image, one per record, and the window is told it can fetch it. It is handed
//! out once (view-only: asked for again, it is gone), dropped when the study finishes
//! opening or fails to, and with the patient's state on a switch, lock or close; its samples
//! are zeroised when dropped. The metadata has not listed it yet, so the window shows it as
//! a preview, without a position in the stack, and replaces it with the study when the
//! study opens (hazard log H-22). The early request's bytes are held against a small
//! reservation of the memory budget until the study's own reservation replaces it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use tokio::task::JoinHandle;
use zeroize::Zeroize;

use super::display_frame::{to_display_frame, DisplayFrame};
use super::{Pointer, ViewerError, ViewerSession};
use crate::dicomweb::multipart::Part;
use crate::dicomweb::verify::{Expectations, InstanceFacts};
use crate::dicomweb::{EarlySeries, EarlyStart, FirstPartHook};
use crate::imaging::{decode_image, DecodeLimits};
use crate::nhs_number::NhsNumber;
use crate::vault::{PatientKey, Reservation};

/// Bytes the early series request may hold before the metadata arrives.
const EARLY_HOLD_BYTES: usize = 64 << 20;

/// A provisional first image, decoded; its samples are zeroised when it is dropped.
pub(super) struct Preview {
    frame: DisplayFrame,
}

impl Drop for Preview {
    fn drop(&mut self) {
        self.frame.bytes.zeroize();
        if let Some(table) = self.frame.voi_lut.as_mut() {
            table.entries.zeroize();
        }
    }
}

/// Where a study's preview goes: who is told it is ready, and whether the study is still
/// opening (once it has opened, or failed to, a preview arriving late is not held).
#[derive(Clone)]
pub(super) struct PreviewTarget {
    ready: Arc<dyn Fn(&str) + Send + Sync>,
    opening: Arc<AtomicBool>,
}

impl PreviewTarget {
    /// Tells `ready` of a preview while the study opens.
    pub(super) fn new(ready: Arc<dyn Fn(&str) + Send + Sync>) -> Self {
        Self {
            ready,
            opening: Arc::new(AtomicBool::new(true)),
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
    /// metadata, with a preview of its first verified image held for `record_id` and
    /// announced through `preview_ready`. `None` when the pointer names no study or the
    /// memory budget has no room to hold early bytes.
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
        let hook = preview_hook(
            Arc::downgrade(self),
            patient.clone(),
            pointer.id.clone(),
            target,
        );
        let start = EarlyStart {
            metadata_url: metadata_url.clone(),
            expectations: Expectations {
                nhs_number: nhs_number.clone(),
                study_uid,
            },
            hold_bytes: EARLY_HOLD_BYTES,
            first_part: Some(hook),
        };
        let client = Arc::clone(&self.dicomweb);
        // On the transfer runtime, like the retrieval that adopts it.
        let task = crate::dicomweb::spawn_transfer(async move {
            client.start_early_series(start).await.ok().flatten()
        });
        Some(EarlyStarting { task, _hold: hold })
    }

    /// Holds `preview` for `record_id` if `patient` is still the one open and the study is
    /// still opening (checked under the patient lock, as [`Self::end_preview`] sets it).
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

    /// The study of `record_id` has opened, or failed to: its preview is dropped, and one
    /// still on its way is not held.
    pub(super) fn end_preview(
        &self,
        patient: &PatientKey,
        record_id: &str,
        target: &PreviewTarget,
    ) {
        let mut guard = self.patient();
        target.opening.store(false, Ordering::SeqCst);
        if let Some(state) = guard.as_mut().filter(|s| s.key == *patient) {
            state.previews.remove(record_id);
        }
    }

    /// Hands out the preview held for `record_id`, once.
    pub fn take_preview(&self, record_id: &str) -> Result<DisplayFrame, ViewerError> {
        let mut preview = self
            .patient()
            .as_mut()
            .and_then(|state| state.previews.remove(record_id))
            .ok_or(ViewerError::NoSuchImage)?;
        Ok(std::mem::replace(
            &mut preview.frame,
            DisplayFrame {
                format: "u8",
                rows: 0,
                columns: 0,
                slope: 1.0,
                intercept: 0.0,
                window_center: 0.0,
                window_width: 1.0,
                invert: false,
                voi_function: "LINEAR",
                voi_lut: None,
                bytes: Vec::new(),
            },
        ))
    }
}

/// Decodes the first verified part and holds it as the record's preview.
fn preview_hook(
    session: Weak<ViewerSession>,
    patient: PatientKey,
    record_id: String,
    target: PreviewTarget,
) -> FirstPartHook {
    Box::new(move |part: &Part, _facts: &InstanceFacts| {
        let Some(session) = session.upgrade() else {
            return;
        };
        if session.still_open(&patient).is_err() {
            return;
        }
        let Ok(decoded) = decode_image(&part.body, &DecodeLimits::default(), Some(0)) else {
            return;
        };
        let Some(frame) = decoded.frames.first() else {
            return;
        };
        let preview = Preview {
            frame: to_display_frame(frame, decoded.rows, decoded.columns),
        };
        if session.hold_preview(&patient, &record_id, preview, &target.opening) {
            (target.ready)(&record_id);
        }
    })
}
