//! Open studies: metadata first (the layout), then the whole study retrieved in the
//! background, each instance filed in the vault the moment it is admitted (write-through),
//! and single images fetched on demand when the clinician asks for one before the
//! background retrieval reaches it — unless it is being fetched already, in which case the
//! request waits for it ([`super::in_flight`]). Closing cancels and wipes. Every
//! result is bound to the patient opening the request began for (see the module above):
//! metadata that arrives after a switch or close is dropped, and nothing retrieved after
//! a close is kept. Decoding runs on the blocking pool, off the async workers.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::document::read_document;
use super::in_flight::{InFlight, StudySink};
use super::presentation_state::read_presentation_state;
use super::presentation_view::map_state;
use super::preview::PreviewTarget;
use super::report_format::ReportFormat;
use super::views::{PresentationStatesView, ReportView, StudyProgressView, StudyView};
use super::{display_frame, Pointer, PointerKind, ViewerError, ViewerSession};
use crate::audit::{Action, Outcome};
use crate::dicomweb::identity_match::IdentityMatch;
use crate::dicomweb::{
    Direction, Expectations, Focus, InstanceLayout, InstanceOutcome, RetrievalQueue,
    RetrieveOptions, SharedQueue, StudyLayout,
};
use crate::imaging::{decode_image, DecodeLimits};
use crate::nhs_number::NhsNumber;
use crate::vault::{ItemKey, PatientKey, Reservation, SecretBuffer, StudyKey};

/// One image of a series' stack: which instance, which frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StackEntry {
    pub instance: usize,
    pub frame: u32,
}

/// A study the clinician has open.
pub(super) struct OpenStudy {
    pub layout: Arc<StudyLayout>,
    pub expectations: Expectations,
    pub vault_key: StudyKey,
    pub cancel: CancellationToken,
    /// Per series, the images in display order (multi-frame instances expand to frames).
    pub stacks: Vec<Vec<StackEntry>>,
    /// The history record it was opened from.
    pub record_id: String,
    /// Instances being fetched on their own right now.
    pub in_flight: Arc<InFlight>,
    /// The retrieval's queue, whose focus follows the screen.
    pub queue: SharedQueue,
}

/// The longest one wait for an instance someone else is fetching.
const IN_FLIGHT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Waits for others' requests before fetching an instance regardless.
const MAX_IN_FLIGHT_WAITS: u32 = 2;

fn stacks_of(layout: &StudyLayout) -> Vec<Vec<StackEntry>> {
    layout
        .series
        .iter()
        .map(|series| {
            series
                .instances
                .iter()
                .enumerate()
                .flat_map(|(instance, layout)| {
                    (0..layout.frames.max(1)).map(move |frame| StackEntry { instance, frame })
                })
                .collect()
        })
        .collect()
}

/// Most presentation states read from one study.
const MAX_PRESENTATION_STATES: usize = 32;

/// Room a study's reservation keeps beyond its decoded size, for headers and encodings
/// larger than the pixels they carry.
const RESERVE_SLACK: usize = 8 << 20;

impl ViewerSession {
    /// Opens a study: reads its metadata, starts retrieving it, and answers the layout.
    /// Progress is reported through `progress` until the retrieval finishes.
    pub async fn open_study(
        self: &Arc<Self>,
        record_id: &str,
        progress: impl Fn(StudyProgressView) + Send + Sync + 'static,
    ) -> Result<StudyView, ViewerError> {
        self.open_study_previewing(record_id, progress, Arc::new(|_: &str| {}))
            .await
    }

    /// [`Self::open_study`], asking for the first series beside the metadata: when its first
    /// image has passed the pointer checks before the metadata is in, it is held as the
    /// record's preview ([`Self::take_preview`]) and `preview_ready` is told the record id.
    /// The preview is dropped when this returns, whether the study opened or not.
    pub async fn open_study_previewing(
        self: &Arc<Self>,
        record_id: &str,
        progress: impl Fn(StudyProgressView) + Send + Sync + 'static,
        preview_ready: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Result<StudyView, ViewerError> {
        let (patient, nhs_number, pointer) = self.pointer(record_id)?;
        let target = PreviewTarget::new(preview_ready);
        self.begin_opening(&patient, &target)?;
        let outcome = self
            .open_study_with(
                (patient.clone(), nhs_number, pointer),
                record_id,
                progress,
                target.clone(),
            )
            .await;
        self.end_opening(&patient, record_id, &target);
        outcome
    }

    async fn open_study_with(
        self: &Arc<Self>,
        (patient, nhs_number, pointer): (PatientKey, NhsNumber, Pointer),
        record_id: &str,
        progress: impl Fn(StudyProgressView) + Send + Sync + 'static,
        preview: PreviewTarget,
    ) -> Result<StudyView, ViewerError> {
        if pointer.kind != PointerKind::ImagingStudy {
            return Err(ViewerError::NotOpenable(
                "it is not an imaging study".into(),
            ));
        }
        let cached = self
            .patient()
            .as_ref()
            .filter(|s| s.key == patient)
            .and_then(|s| s.layouts.get(record_id).cloned());
        let (layout, early) = match cached {
            Some(layout) => (layout, None),
            None => {
                let url = self.study_metadata_url(&pointer, &patient).await?;
                let closed = preview.cancel.clone();
                let starting =
                    self.start_early_series(&url, &pointer, &nhs_number, &patient, preview);
                // A close while the metadata is read drops the early request at once.
                let layout = tokio::select! {
                    biased;
                    () = closed.cancelled() => return Err(ViewerError::PatientChanged),
                    layout = self.dicomweb.study_metadata(&url) => layout,
                };
                let early = match starting {
                    Some(starting) => starting.take().await,
                    None => None,
                };
                (Arc::new(layout?), early)
            }
        };
        // The global budget: what this study needs is promised before anything is fetched,
        // against what is held and what other retrievals have promised.
        let needed = usize::try_from(layout.decoded_bytes()).unwrap_or(usize::MAX);
        let reservation = self.vault.reserve(
            needed,
            needed
                .saturating_add(needed / 8)
                .saturating_add(RESERVE_SLACK),
        )?;
        let study_key = uuid::Uuid::new_v4().to_string();
        let expectations = Expectations {
            nhs_number: nhs_number.clone(),
            study_uid: pointer
                .study_uid
                .clone()
                .unwrap_or_else(|| layout.study_uid.clone()),
        };
        let cancel = CancellationToken::new();
        let in_flight = Arc::new(InFlight::default());
        let stacks = stacks_of(&layout);
        // The first image of the first series is on screen first.
        let queue = SharedQueue::new(RetrievalQueue::new(
            &layout,
            Focus {
                series: 0,
                instance: 0,
                direction: Direction::Forward,
            },
        ));
        let mut view = StudyView::from_layout(&study_key, &pointer, &layout, &stacks);
        {
            // Filed only under the patient the request began for; if another patient (or
            // none) is open by now, the metadata is dropped with this call.
            let mut guard = self.patient();
            let state = guard
                .as_mut()
                .filter(|s| s.key == patient)
                .ok_or(ViewerError::PatientChanged)?;
            state.protect_names(&layout);
            let identity =
                super::identity::study_identity(&layout, &pointer.description, &nhs_number);
            state.remember_identity(&pointer, identity);
            let verdict = state.identity_verdict();
            view.demographics_mismatch = verdict.mismatch.clone();
            view.identity = Some(verdict);
            state.studies.insert(
                study_key.clone(),
                OpenStudy {
                    layout: Arc::clone(&layout),
                    expectations: expectations.clone(),
                    vault_key: StudyKey::new(study_key.clone()),
                    cancel: cancel.clone(),
                    stacks,
                    record_id: record_id.to_owned(),
                    in_flight: Arc::clone(&in_flight),
                    queue: queue.clone(),
                },
            );
        }
        self.audit_event(
            self.new_event(Action::View, Outcome::Success)
                .about(&nhs_number)
                .entity("study", &layout.study_uid),
        );
        let sink = StudySink {
            session: Arc::clone(self),
            patient,
            study_key: study_key.clone(),
            reservation: std::sync::Mutex::new(reservation),
            in_flight,
            pre_announced: std::sync::Mutex::default(),
            filed_early: std::sync::Mutex::default(),
        };
        self.spawn_retrieval(
            study_key,
            layout,
            expectations,
            cancel,
            sink,
            queue,
            early,
            progress,
        );
        Ok(view)
    }

    /// Tells a study's running retrieval what is on screen: image `index` of series
    /// `series_index` (stack order), scrolled in `direction`; a window around it is fetched
    /// next. Nothing happens once the retrieval has finished.
    pub fn focus_study(
        &self,
        study_key: &str,
        series_index: usize,
        index: usize,
        direction: Direction,
    ) -> Result<(), ViewerError> {
        let (queue, instance) = self.with_study(study_key, |_, study| {
            let instance = study
                .stacks
                .get(series_index)
                .and_then(|s| s.get(index))
                .map(|entry| entry.instance);
            (study.queue.clone(), instance)
        })?;
        let instance = instance.ok_or(ViewerError::NoSuchImage)?;
        queue.focus(Focus {
            series: series_index,
            instance,
            direction,
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // each is one part of the open study it runs for
    fn spawn_retrieval(
        self: &Arc<Self>,
        study_key: String,
        layout: Arc<StudyLayout>,
        expectations: Expectations,
        cancel: CancellationToken,
        sink: StudySink,
        queue: SharedQueue,
        early: Option<crate::dicomweb::EarlySeries>,
        progress: impl Fn(StudyProgressView) + Send + Sync + 'static,
    ) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let session = Arc::clone(self);
        let options = RetrieveOptions {
            current_series: None,
            current_index: 0,
            concurrency: 4,
            budget_bytes: u64::try_from(
                sink.reservation
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .size(),
            )
            .unwrap_or(u64::MAX),
        };
        // The series on screen, the retrieval's first request, is in flight from now on, so
        // the screen's first requests for its images wait for it instead of racing it (and
        // making it go instance by instance).
        let focus = queue.lock().current_focus();
        sink.announce_planned(
            layout
                .series
                .get(focus.series)
                .into_iter()
                .flat_map(|s| s.instances.iter())
                .map(|i| i.sop_instance_uid.as_str()),
        );
        let series_keys: Vec<(String, String)> = layout
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.series_uid.clone(), i.to_string()))
            .collect();
        let progress = Arc::new(progress);
        let forward = Arc::clone(&progress);
        let key_for_events = study_key.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let event: crate::dicomweb::RetrievalProgress = event;
                let series_key = series_keys
                    .iter()
                    .find(|(uid, _)| *uid == event.series_uid)
                    .map(|(_, key)| key.clone())
                    .unwrap_or_default();
                forward(StudyProgressView {
                    study_key: key_for_events.clone(),
                    series_key,
                    loaded: event.received + event.quarantined,
                    total: event.expected,
                    done: false,
                    error: None,
                    warnings: Vec::new(),
                    identity_note: None,
                });
            }
        });
        // On the transfer runtime, where the socket's reader and the parser share a thread.
        crate::dicomweb::spawn_transfer(async move {
            // Each admitted instance goes into the vault as it arrives (write-through).
            let outcome = session
                .dicomweb
                .retrieve_study_adopting(
                    &layout,
                    &expectations,
                    options,
                    &queue,
                    Some(&sink),
                    early,
                    tx,
                    cancel,
                )
                .await;
            sink.finish();
            let mut reservation = sink.reservation.lock().unwrap_or_else(|p| p.into_inner());
            let report = session.store_retrieved(&study_key, outcome, &mut reservation);
            drop(reservation);
            progress(report);
        });
    }

    /// Files whatever of a finished retrieval was not written through to the vault as it
    /// arrived (if the study is still open) and describes the outcome for the UI.
    fn store_retrieved(
        &self,
        study_key: &str,
        outcome: Result<crate::dicomweb::RetrievedStudy, crate::dicomweb::DicomWebError>,
        reservation: &mut Reservation,
    ) -> StudyProgressView {
        let mut view = StudyProgressView {
            study_key: study_key.to_owned(),
            series_key: String::new(),
            loaded: 0,
            total: 0,
            done: true,
            error: None,
            warnings: Vec::new(),
            identity_note: None,
        };
        let target = self.with_study(study_key, |state, study| {
            (
                state.key.clone(),
                state.nhs_number.clone(),
                study.layout.study_uid.clone(),
                study.record_id.clone(),
            )
        });
        let Ok((patient, nhs, study_uid, record_id)) = target else {
            view.error = Some(closed_meanwhile());
            return view;
        };
        match outcome {
            Ok(study) => {
                view.warnings = study.warnings.iter().map(|w| w.message.clone()).collect();
                view.identity_note = identity_note(&study.matched_by);
                for series in study.series {
                    view.total += series.expected;
                    for mut instance in series.instances {
                        view.loaded += 1;
                        let name = instance.sop_instance_uid.clone();
                        // Written through to the vault as it arrived (its bytes are gone
                        // from here), or fetched for the screen meanwhile.
                        if instance.bytes.is_empty() || self.held(&patient, study_key, &name) {
                            continue;
                        }
                        // Checked and stored under the session's lock: once the study or
                        // its patient is closed, nothing more of it is kept.
                        // The bytes move into the vault (no second copy), against the
                        // study's reservation.
                        let bytes = std::mem::take(&mut *instance.bytes);
                        match self.keep_reserved(&patient, study_key, name, bytes, reservation) {
                            Ok(_) => {}
                            Err(ViewerError::PatientChanged | ViewerError::StudyClosed) => {
                                view.error = Some(closed_meanwhile());
                                return view;
                            }
                            Err(error) => {
                                view.error = Some(crate::error::CommandError::from(&error));
                                break;
                            }
                        }
                    }
                }
                let outcome = if view.warnings.is_empty() {
                    Outcome::Success
                } else {
                    Outcome::MinorFailure
                };
                self.audit_event(
                    self.new_event(Action::Retrieve, outcome)
                        .about(&nhs)
                        .entity("study", &study_uid),
                );
            }
            Err(error) => {
                if let Some(refusal) = error.origin_refusal() {
                    self.audit_refusal(refusal, &nhs, &record_id);
                }
                if !error.is_cancelled() {
                    view.error = Some(crate::error::CommandError::from(&error));
                    self.audit_event(
                        self.new_event(Action::Retrieve, Outcome::SeriousFailure)
                            .about(&nhs)
                            .entity("study", &study_uid),
                    );
                }
            }
        }
        view
    }

    /// The bytes of one image's instance, from the vault or fetched into it, with where it
    /// sits in the stack and its layout.
    pub(super) async fn instance_bytes(
        &self,
        study_key: &str,
        series_index: usize,
        index: usize,
    ) -> Result<(PatientKey, Arc<SecretBuffer>, StackEntry, InstanceLayout), ViewerError> {
        let (layout, expectations, key, entry, cancel, in_flight) =
            self.with_study(study_key, |state, study| {
                let entry = study
                    .stacks
                    .get(series_index)
                    .and_then(|s| s.get(index))
                    .copied();
                (
                    Arc::clone(&study.layout),
                    study.expectations.clone(),
                    ItemKey {
                        patient: state.key.clone(),
                        study: Some(study.vault_key.clone()),
                        name: String::new(),
                    },
                    entry,
                    study.cancel.clone(),
                    Arc::clone(&study.in_flight),
                )
            })?;
        let entry = entry.ok_or(ViewerError::NoSuchImage)?;
        let series = layout
            .series
            .get(series_index)
            .ok_or(ViewerError::NoSuchImage)?;
        let instance = series
            .instances
            .get(entry.instance)
            .ok_or(ViewerError::NoSuchImage)?;
        let item = ItemKey {
            name: instance.sop_instance_uid.clone(),
            ..key
        };
        let sop = instance.sop_instance_uid.as_str();
        let mut waits = 0;
        let bytes = loop {
            if let Some(bytes) = self.vault.get(&item) {
                break bytes;
            }
            // Someone (the background retrieval, or another request from the screen) is
            // fetching this very instance: wait for it instead of fetching it twice.
            let claim = match in_flight.claim(sop) {
                // Filed by a request that settled since the look above: not fetched again.
                Some(_) if self.vault.get(&item).is_some() => continue,
                Some(claim) => Some(claim),
                None if waits < MAX_IN_FLIGHT_WAITS => {
                    waits += 1;
                    if !in_flight.wait_settled(sop, &cancel, IN_FLIGHT_WAIT).await
                        && cancel.is_cancelled()
                    {
                        return Err(ViewerError::StudyClosed);
                    }
                    continue;
                }
                // Waited long enough: fetch it anyway.
                None => None,
            };
            let outcome = self
                .dicomweb
                .retrieve_instance(&layout, &expectations, &series.series_uid, sop, &cancel)
                .await?;
            let kept = match outcome {
                InstanceOutcome::Admitted(retrieved) => self.keep(
                    &item.patient,
                    Some(study_key),
                    item.name.clone(),
                    retrieved.bytes.to_vec(),
                )?,
                InstanceOutcome::Quarantined(q) => {
                    return Err(ViewerError::Withheld(q.reason.to_string()))
                }
            };
            drop(claim);
            break kept;
        };
        Ok((item.patient, bytes, entry, instance.clone()))
    }

    /// Whether the vault already holds `name` of an open study of `patient`.
    pub(super) fn held(&self, patient: &PatientKey, study_key: &str, name: &str) -> bool {
        self.kept(patient, study_key, name).is_some()
    }

    /// What the vault keeps as `name` of an open study of `patient`, if anything.
    pub(super) fn kept(
        &self,
        patient: &PatientKey,
        study_key: &str,
        name: &str,
    ) -> Option<Arc<SecretBuffer>> {
        self.with_study(study_key, |state, study| {
            (state.key == *patient).then(|| ItemKey {
                patient: patient.clone(),
                study: Some(study.vault_key.clone()),
                name: name.to_owned(),
            })
        })
        .ok()
        .flatten()
        .and_then(|key| self.vault.get(&key))
    }

    /// Fetches (if needed) and decodes one image of an open study for display.
    pub async fn frame(
        &self,
        study_key: &str,
        series_index: usize,
        index: usize,
    ) -> Result<(display_frame::DisplayFrame, FrameFacts), ViewerError> {
        let (patient, bytes, entry, instance) =
            self.instance_bytes(study_key, series_index, index).await?;
        let display = blocking(move || {
            let decoded = decode_image(
                bytes.as_bytes(),
                &DecodeLimits::default(),
                Some(entry.frame),
            )?;
            let frame = decoded.frames.first().ok_or(ViewerError::NoSuchImage)?;
            Ok(display_frame::to_display_frame(
                frame,
                decoded.rows,
                decoded.columns,
            ))
        })
        .await?;
        // A patient closed while this image was decoded gets nothing back.
        self.still_open(&patient)?;
        let facts = FrameFacts {
            instance_number: instance.instance_number,
            position: instance.position,
            orientation: instance.orientation,
        };
        Ok((display, facts))
    }

    /// Reads a report held in the study (an Encapsulated PDF or a structured report, the
    /// first instance of `series_index`); a PDF is kept in the vault for the window.
    pub async fn open_study_document(
        &self,
        study_key: &str,
        series_index: usize,
    ) -> Result<ReportView, ViewerError> {
        let (patient, bytes, _, instance) = self.instance_bytes(study_key, series_index, 0).await?;
        let document = blocking(move || read_document(bytes.as_bytes())).await?;
        let (nhs, record_id, description) = self
            .with_study(study_key, |state, study| {
                (state.key == patient).then(|| {
                    (
                        state.nhs_number.clone(),
                        study.record_id.clone(),
                        study.layout.description.clone(),
                    )
                })
            })?
            .ok_or(ViewerError::PatientChanged)?;
        let mut pdf_url = None;
        if let Some(pdf) = document.pdf {
            self.keep(
                &patient,
                Some(study_key),
                format!("document-pdf:{series_index}"),
                pdf,
            )?;
            pdf_url = Some(format!("/document/{study_key}/{series_index}"));
        }
        self.audit_event(
            self.new_event(Action::View, Outcome::Success)
                .about(&nhs)
                .entity("document", &instance.sop_instance_uid),
        );
        Ok(ReportView {
            record_id,
            title: document
                .title
                .or(description)
                .unwrap_or_else(|| "Report".into()),
            date: document.date,
            author: document.author,
            // An SR's Completion and Verification Flags are not read yet.
            status: None,
            format: if pdf_url.is_some() {
                ReportFormat::Pdf
            } else {
                ReportFormat::Sr
            },
            text: document.text,
            pdf_url,
            sections: Vec::new(),
        })
    }

    /// The presentation states held in a study (DICOM GSPS, PS3.3 A.33.1), each read from
    /// its instance (from the vault or fetched into it) and mapped onto the study's images.
    /// A state that cannot be retrieved or read is a warning; the others are still given.
    pub async fn presentation_states(
        &self,
        study_key: &str,
    ) -> Result<PresentationStatesView, ViewerError> {
        let (layout, stacks) = self.with_study(study_key, |_, study| {
            (Arc::clone(&study.layout), study.stacks.clone())
        })?;
        let mut view = PresentationStatesView {
            states: Vec::new(),
            warnings: Vec::new(),
        };
        let wanted = layout
            .series
            .iter()
            .enumerate()
            .filter(|(_, series)| super::views::document_of(series) == Some("pr"));
        let mut read = 0usize;
        'series: for (series_index, _) in wanted {
            for index in 0..stacks.get(series_index).map_or(0, Vec::len) {
                if read >= MAX_PRESENTATION_STATES {
                    view.warnings.push(format!(
                        "Only the first {MAX_PRESENTATION_STATES} presentation states of this \
                         study are offered."
                    ));
                    break 'series;
                }
                read += 1;
                let (patient, bytes) =
                    match self.instance_bytes(study_key, series_index, index).await {
                        Ok((patient, bytes, _, _)) => (patient, bytes),
                        Err(
                            error @ (ViewerError::StudyClosed
                            | ViewerError::PatientChanged
                            | ViewerError::NoPatient),
                        ) => return Err(error),
                        Err(error) => {
                            view.warnings.push(format!(
                                "A presentation state could not be retrieved: {}",
                                crate::error::UserFacing::user_message(&error)
                            ));
                            continue;
                        }
                    };
                let state = blocking(move || Ok(read_presentation_state(bytes.as_bytes()))).await?;
                self.still_open(&patient)?;
                match state {
                    Ok(state) => view.states.push(map_state(
                        format!("{series_index}/{index}"),
                        &state,
                        &layout,
                        &stacks,
                    )),
                    Err(error) => view
                        .warnings
                        .push(format!("A presentation state could not be read: {error}.")),
                }
            }
        }
        Ok(view)
    }

    /// The PDF of a document opened from a study, from memory.
    pub fn study_document_pdf(
        &self,
        study_key: &str,
        series_index: usize,
    ) -> Result<Arc<SecretBuffer>, ViewerError> {
        let key = self.with_study(study_key, |state, study| ItemKey {
            patient: state.key.clone(),
            study: Some(study.vault_key.clone()),
            name: format!("document-pdf:{series_index}"),
        })?;
        self.vault.get(&key).ok_or(ViewerError::NoSuchImage)
    }

    /// Closes a study: stops its retrieval and wipes its instances.
    pub fn close_study(&self, study_key: &str) -> Result<(), ViewerError> {
        let mut guard = self.patient();
        let state = guard.as_mut().ok_or(ViewerError::NoPatient)?;
        let study = state
            .studies
            .remove(study_key)
            .ok_or(ViewerError::StudyClosed)?;
        study.cancel.cancel();
        let removed = self.vault.wipe_study(&state.key, &study.vault_key);
        let nhs = state.nhs_number.clone();
        drop(guard);
        self.audit_event(
            self.new_event(Action::Close, Outcome::Success)
                .about(&nhs)
                .entity("study", &study.layout.study_uid),
        );
        self.audit_event(
            self.new_event(
                Action::Wipe {
                    scope: "study".into(),
                },
                Outcome::Success,
            )
            .about(&nhs),
        );
        tracing::info!(items = removed, "study closed and wiped");
        Ok(())
    }
}

/// Runs CPU-heavy work (decoding) on the blocking pool and waits for it; a panic there
/// becomes an error rather than taking down an async worker.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ViewerError> + Send + 'static,
) -> Result<T, ViewerError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ViewerError::DecodeAborted)?
}

/// The note beside a study whose images carry the NHS number somewhere other than (only)
/// Patient ID, so the clinician can see which identifier tied the images to the patient.
fn identity_note(matched_by: &[IdentityMatch]) -> Option<String> {
    matched_by
        .contains(&IdentityMatch::OtherPatientIds)
        .then(|| {
            if matched_by.contains(&IdentityMatch::PatientId) {
                "Some images carry the provider's local number as Patient ID; for those, the \
                 NHS number was matched in Other Patient IDs."
            } else {
                "The images carry the provider's local number as Patient ID; the NHS number \
                 was matched in Other Patient IDs."
            }
            .to_owned()
        })
}

/// Per-image facts for the overlay and orientation markers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrameFacts {
    /// Instance Number.
    pub instance_number: Option<i32>,
    /// Image Position (Patient).
    pub position: Option<[f64; 3]>,
    /// Image Orientation (Patient).
    pub orientation: Option<[f64; 6]>,
}

/// The failure a retrieval ends with when its study or patient was closed while it ran.
fn closed_meanwhile() -> crate::error::CommandError {
    crate::error::CommandError {
        code: crate::error::ErrorCode::StudyClosed,
        message: "The study was closed.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoding, document reading and report parsing go through [`blocking`]: on a runtime
    /// with a single thread, the work must run on another thread, so the window's other
    /// requests are not held up while an image decodes.
    #[tokio::test(flavor = "current_thread")]
    async fn heavy_work_runs_off_the_async_thread() {
        let caller = std::thread::current().id();
        let worker = blocking(|| Ok(std::thread::current().id())).await.unwrap();
        assert_ne!(caller, worker);
        let failed: Result<(), ViewerError> = blocking(|| Err(ViewerError::NoSuchImage)).await;
        assert!(matches!(failed, Err(ViewerError::NoSuchImage)));
    }

    #[test]
    fn says_which_identifier_matched_only_when_it_was_not_patient_id() {
        assert_eq!(identity_note(&[]), None);
        assert_eq!(identity_note(&[IdentityMatch::PatientId]), None);
        let other = identity_note(&[IdentityMatch::OtherPatientIds]).unwrap();
        assert!(other.starts_with("The images carry") && other.contains("Other Patient IDs"));
        let both = identity_note(&[IdentityMatch::PatientId, IdentityMatch::OtherPatientIds]);
        assert!(both.unwrap().starts_with("Some images"));
    }
}
