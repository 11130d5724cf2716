//! Running a study's retrieval: requests come from the study's [`RetrievalQueue`] (the
//! series the clinician is looking at first, whole, then the rest; see [`super::queue`]),
//! the first alone and then several at once, bounded per server. When that first series
//! was already asked for beside the metadata ([`super::early_series`]), that request is
//! adopted instead of made again: what it brought is filed first, through the same checks. The first series
//! response is watched: when its first part is not the image on screen (the server sends
//! the series in another order than the stack's), that image is asked for on its own
//! beside it, so it does not wait for the rest of the series; it then comes twice, the
//! one case where an instance is transferred twice.
//! Before an instance is requested it is claimed from the sink, so one the screen holds or
//! is fetching is not requested again, and the assembly never accepts a second copy.
//! Progress is reported per series, a cut or garbled transfer is retried once and then
//! reported (a series cut after some of its instances arrived is finished instance by
//! instance with the others instead of asked for whole again), and cancelling (closing the study) stops everything and drops what was
//! received. Only the study asked for is fetched: priors are separate, explicit calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use super::accept::origin_of;
use super::assembly::Assembly;
use super::client::DicomWebClient;
use super::early_series::EarlySeries;
use super::error::{DicomWebError, Resource};
use super::metadata::StudyLayout;
use super::pipeline::file_early;
use super::queue::{Direction, Focus, RetrievalQueue, SharedQueue};
use super::retrieved::{RetrievalProgress, RetrievedStudy, StudyWarning};
use super::sink::{Claim, InstanceSink};
use super::verify::Expectations;

/// How long to pause when all that is left is being fetched by someone else.
const BUSY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);
/// Pauses for one instance someone else is fetching before fetching it regardless
/// (about ten seconds).
const MAX_BUSY_PAUSES: u32 = 200;

/// How to retrieve a study.
#[derive(Debug, Clone)]
pub struct RetrieveOptions {
    /// The series on screen (defaults to the first series).
    pub current_series: Option<String>,
    /// The slice on screen within that series (display order, 0-based).
    pub current_index: usize,
    /// Requests at once against one server (at least 1).
    pub concurrency: usize,
    /// Memory the study may use (the share of the global budget the caller reserved for it);
    /// a larger study is refused before anything is fetched, and what arrives may not exceed
    /// it.
    pub budget_bytes: u64,
}

impl RetrieveOptions {
    /// The focus these options name in `layout` (an unknown series means the first).
    pub fn focus(&self, layout: &StudyLayout) -> Focus {
        let series = self
            .current_series
            .as_deref()
            .and_then(|uid| layout.series.iter().position(|s| s.series_uid == uid))
            .unwrap_or(0);
        Focus {
            series,
            instance: self.current_index,
            direction: Direction::Forward,
        }
    }
}

/// One request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchUnit {
    /// One instance: (series index, instance index) in the layout.
    Instance(usize, usize),
    /// A whole series: series index in the layout.
    Series(usize),
}

/// How a request ended, when it did not end the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitEnd {
    /// Done: everything it brought was filed, or its failure recorded as a warning.
    Done,
    /// A series request cut off after some of its instances had arrived: the series is to
    /// be finished instance by instance, with only those that did not arrive.
    Resume(usize),
}

/// One semaphore per server origin, so every study from one server shares the bound.
#[derive(Debug, Default)]
pub struct ServerLimits {
    per_origin: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl ServerLimits {
    fn for_origin(&self, origin: &str, permits: usize) -> Arc<Semaphore> {
        let mut map = match self.per_origin.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(origin.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(permits.max(1))))
            .clone()
    }
}

/// The instances one running request has claimed; settled when it ends, however it ends.
struct Claimed<'a> {
    sink: Option<&'a dyn InstanceSink>,
    sops: Vec<&'a str>,
}

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        if let Some(sink) = self.sink {
            for sop in &self.sops {
                sink.settled(sop);
            }
        }
    }
}

/// What became of taking one unit from the queue.
enum Taken<'a> {
    /// Request it, holding these claims.
    Fetch(Claimed<'a>),
    /// Nothing to request now (held, set aside, or split into instances).
    Skip,
    /// Set aside again while someone else fetches it: pause before looking again.
    StillBusy,
}

impl DicomWebClient {
    /// Retrieves a whole study into memory in viewing order, verifying every instance.
    /// Progress goes to `progress_tx` (a dropped receiver is fine); `cancel` stops it all.
    pub async fn retrieve_study(
        &self,
        layout: &StudyLayout,
        expectations: &Expectations,
        options: RetrieveOptions,
        progress_tx: mpsc::UnboundedSender<RetrievalProgress>,
        cancel: CancellationToken,
    ) -> Result<RetrievedStudy, DicomWebError> {
        self.retrieve_study_into(layout, expectations, options, None, progress_tx, cancel)
            .await
    }

    /// [`Self::retrieve_study`], handing each admitted instance to `sink` as it arrives
    /// (the returned study then holds the instances without their bytes) and claiming each
    /// instance from it before requesting it.
    pub async fn retrieve_study_into(
        &self,
        layout: &StudyLayout,
        expectations: &Expectations,
        options: RetrieveOptions,
        sink: Option<&dyn InstanceSink>,
        progress_tx: mpsc::UnboundedSender<RetrievalProgress>,
        cancel: CancellationToken,
    ) -> Result<RetrievedStudy, DicomWebError> {
        let queue = SharedQueue::new(RetrievalQueue::new(layout, options.focus(layout)));
        self.retrieve_study_adopting(
            layout,
            expectations,
            options,
            &queue,
            sink,
            None,
            progress_tx,
            cancel,
        )
        .await
    }

    /// [`Self::retrieve_study_into`] taking its requests from `queue`, whose focus the
    /// caller may move while it runs (`options`' own focus is then not used), and adopting
    /// `early` (a request for a series started before the metadata arrived) as the request
    /// for its series when that series is the first the queue asks for whole; otherwise
    /// `early` is dropped, and what it brought with it.
    #[allow(clippy::too_many_arguments)]
    pub async fn retrieve_study_adopting(
        &self,
        layout: &StudyLayout,
        expectations: &Expectations,
        options: RetrieveOptions,
        queue: &SharedQueue,
        sink: Option<&dyn InstanceSink>,
        early: Option<EarlySeries>,
        progress_tx: mpsc::UnboundedSender<RetrievalProgress>,
        cancel: CancellationToken,
    ) -> Result<RetrievedStudy, DicomWebError> {
        let needed = layout.decoded_bytes();
        if needed > options.budget_bytes {
            return Err(DicomWebError::OverBudget {
                needed_bytes: needed,
                budget_bytes: options.budget_bytes,
            });
        }
        if expectations.study_uid != layout.study_uid {
            return Err(DicomWebError::BadUrl {
                resource: Resource::Metadata,
                reason: "the metadata describes a different study than the pointer".into(),
            });
        }
        // Our own token: stopping the remaining requests after a fatal error must not
        // cancel the caller's.
        let cancel = cancel.child_token();
        // What arrives is held against the study's share of the budget (the caller reserves
        // it, with room for headers and encodings larger than their pixels): never beyond.
        let mut assembly = Assembly::new(layout, expectations, options.budget_bytes);
        if let Some(sink) = sink {
            assembly = assembly.with_sink(sink);
        }
        let first_part = Arc::new(tokio::sync::Notify::new());
        assembly = assembly.signalling_first_part(Arc::clone(&first_part));
        let assembly = Mutex::new(assembly);
        let limit = self
            .limits
            .for_origin(&origin_of(&layout.study_url), options.concurrency);
        let (assembly_ref, progress_ref, cancel_ref, limit_ref) =
            (&assembly, &progress_tx, &cancel, &limit);
        let run = move |unit: FetchUnit, claimed, early: Option<EarlySeries>| async move {
            let outcome = self
                .fetch_unit(
                    layout,
                    unit.clone(),
                    early,
                    assembly_ref,
                    progress_ref,
                    cancel_ref,
                    limit_ref,
                )
                .await;
            drop(claimed);
            (unit, outcome)
        };
        let first_shown = queue.lock().first_shown();
        // The early request is adopted by the first series request, if that is its series.
        let mut early = early.filter(|e| e.checked_as(expectations)).and_then(|e| {
            let series = layout
                .series
                .iter()
                .position(|s| s.series_uid == e.series_uid())?;
            (series == queue.lock().current_focus().series).then_some((series, e))
        });
        let mut busy_pauses: HashMap<(usize, usize), u32> = HashMap::new();
        let mut running = FuturesUnordered::new();
        // The first request runs alone, so the image on screen has the link to itself,
        // until it ends or its first part shows whether that image came first.
        let mut first_pending = true;
        // The image on screen while its series request is the first request.
        let mut watching: Option<(usize, usize)> = None;
        // That image asked for on its own beside its series, without a claim (the series
        // holds it), while the request runs: should the series be cut and resumed instance
        // by instance, the image waits for this request instead of being asked for again.
        let mut side_fetch: Option<FetchUnit> = None;
        let mut side_waits = 0u32;
        let room = |first_pending: bool| {
            if first_pending {
                1
            } else {
                options.concurrency.max(1)
            }
        };
        loop {
            let mut pause = false;
            while running.len() < room(first_pending) {
                let Some(unit) = queue.lock().next_unit() else {
                    break;
                };
                if side_fetch.as_ref() == Some(&unit) {
                    if let FetchUnit::Instance(series, instance) = unit {
                        queue.lock().defer(series, instance);
                    }
                    side_waits += 1;
                    if side_waits > 1 {
                        // Nothing else is pending: wait for a request to end.
                        pause = true;
                        break;
                    }
                    continue;
                }
                match take_unit(
                    layout,
                    &unit,
                    sink,
                    queue,
                    &assembly,
                    &progress_tx,
                    &mut busy_pauses,
                ) {
                    Taken::Fetch(claimed) => {
                        if let (true, FetchUnit::Series(series), Some(shown)) =
                            (first_pending, &unit, first_shown)
                        {
                            watching = (*series == shown.0).then_some(shown);
                        }
                        let adopted = match (&unit, early.take()) {
                            (FetchUnit::Series(series), Some((of, request))) if *series == of => {
                                Some(request)
                            }
                            // Not its series first: it is not the request this retrieval
                            // makes first, and goes (wiping what it brought).
                            _ => None,
                        };
                        running.push(run(unit, claimed, adopted));
                    }
                    Taken::Skip => {}
                    Taken::StillBusy => {
                        pause = true;
                        break;
                    }
                }
            }
            if running.is_empty() {
                if !pause {
                    break;
                }
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
                    () = tokio::time::sleep(BUSY_PAUSE) => continue,
                }
            }
            tokio::select! {
                result = running.next() => {
                    let Some((unit, result)) = result else {
                        continue;
                    };
                    if side_fetch.as_ref() == Some(&unit) {
                        side_fetch = None;
                        side_waits = 0;
                    }
                    match result {
                        Err(error) => {
                            cancel.cancel();
                            return Err(error);
                        }
                        // Its claims were settled as it ended: what did not arrive can be
                        // claimed again, one by one.
                        Ok(UnitEnd::Resume(series)) => queue.lock().reopen(series),
                        Ok(UnitEnd::Done) => {}
                    }
                    first_pending = false;
                    watching = None;
                }
                () = first_part.notified(), if watching.is_some() => {
                    let Some((series, instance)) = watching.take() else {
                        continue;
                    };
                    let came_first = sop_at(layout, series, instance)
                        .is_some_and(|sop| is_admitted(&assembly, sop));
                    if came_first {
                        first_pending = false;
                    } else {
                        // The series request holds its claim; this copy or the series' is
                        // filed, whichever comes first, and the other dropped as a repeat.
                        let unclaimed = Claimed {
                            sink: None,
                            sops: Vec::new(),
                        };
                        side_fetch = Some(FetchUnit::Instance(series, instance));
                        running.push(run(
                            FetchUnit::Instance(series, instance),
                            unclaimed,
                            None,
                        ));
                    }
                }
            }
        }
        drop(running);
        let assembly = assembly
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(assembly.finish())
    }

    /// Fetches one unit, retrying a cut transfer once; study-ending errors are returned,
    /// the rest become warnings. A series request cut off after some of its instances
    /// arrived is not asked for whole again (WADO-RS cannot leave out what is here, so a
    /// large series cut near its end would come almost twice): it ends as
    /// [`UnitEnd::Resume`], and the series is finished instance by instance.
    #[allow(clippy::too_many_arguments)]
    async fn fetch_unit(
        &self,
        layout: &StudyLayout,
        unit: FetchUnit,
        mut early: Option<EarlySeries>,
        assembly: &Mutex<Assembly<'_>>,
        progress_tx: &mpsc::UnboundedSender<RetrievalProgress>,
        cancel: &CancellationToken,
        limit: &Semaphore,
    ) -> Result<UnitEnd, DicomWebError> {
        let (url, resource, series_index) = unit_url(layout, &unit)?;
        let _permit = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
            permit = limit.acquire() => permit.map_err(|_| DicomWebError::Cancelled)?,
        };
        let mut last_error = None;
        for attempt in 0..2 {
            let outcome = match early.take() {
                // The request started before the metadata: its first attempt.
                Some(request) => file_early(request, assembly, progress_tx, cancel).await,
                None => {
                    self.fetch_verified(&url, resource, assembly, progress_tx, cancel)
                        .await
                }
            };
            match outcome {
                Ok(_) => return Ok(UnitEnd::Done),
                Err(error) if error.is_retryable() => {
                    if attempt == 0 {
                        crate::observability::global().retry(
                            crate::observability::Stage::Retrieval,
                            &crate::observability::target_of(&url),
                        );
                    }
                    if matches!(unit, FetchUnit::Series(_))
                        && any_admitted(layout, series_index, assembly)
                    {
                        return Ok(UnitEnd::Resume(series_index));
                    }
                    last_error = Some(error);
                }
                Err(error) if ends_the_study(&error) => return Err(error),
                Err(error) => {
                    last_error = Some(error);
                    break;
                }
            }
        }
        if let Some(error) = last_error {
            let series = &layout.series[series_index];
            let name = series
                .number
                .map_or_else(|| format!("{}", series_index + 1), |n| n.to_string());
            let mut assembly = assembly.lock().unwrap_or_else(|p| p.into_inner());
            // One warning per series, however many of its requests failed.
            assembly.warn_once(StudyWarning {
                code: "transfer-failed",
                series_uid: Some(series.series_uid.clone()),
                message: format!(
                    "Series {name} could not be loaded completely ({}).",
                    plain_reason(&error)
                ),
            });
        }
        Ok(UnitEnd::Done)
    }
}

/// The SOP Instance UID of instance `instance` of series `series` in the layout.
fn sop_at(layout: &StudyLayout, series: usize, instance: usize) -> Option<&str> {
    layout
        .series
        .get(series)?
        .instances
        .get(instance)
        .map(|i| i.sop_instance_uid.as_str())
}

/// Whether this retrieval has admitted `sop`.
fn is_admitted(assembly: &Mutex<Assembly<'_>>, sop: &str) -> bool {
    assembly
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_admitted(sop)
}

/// Whether any instance of series `series` has been admitted by this retrieval.
fn any_admitted(layout: &StudyLayout, series: usize, assembly: &Mutex<Assembly<'_>>) -> bool {
    let assembly = assembly.lock().unwrap_or_else(|p| p.into_inner());
    layout.series.get(series).is_some_and(|s| {
        s.instances
            .iter()
            .any(|i| assembly.is_admitted(&i.sop_instance_uid))
    })
}

/// Claims what `unit` would request from the sink: an instance held already is counted
/// and skipped, one someone else is fetching is set aside (and fetched regardless after
/// [`MAX_BUSY_PAUSES`]), and a series with any instance held or being fetched is taken
/// instance by instance instead.
fn take_unit<'a>(
    layout: &'a StudyLayout,
    unit: &FetchUnit,
    sink: Option<&'a dyn InstanceSink>,
    queue: &SharedQueue,
    assembly: &Mutex<Assembly<'_>>,
    progress_tx: &mpsc::UnboundedSender<RetrievalProgress>,
    busy_pauses: &mut HashMap<(usize, usize), u32>,
) -> Taken<'a> {
    // An instance this retrieval has admitted already (a series resumed instance by
    // instance after a cut) is counted: whatever the sink says, it is not asked for again.
    if let FetchUnit::Instance(series, instance) = *unit {
        if sop_at(layout, series, instance).is_some_and(|sop| is_admitted(assembly, sop)) {
            return Taken::Skip;
        }
    }
    let Some(sink) = sink else {
        return Taken::Fetch(Claimed {
            sink: None,
            sops: Vec::new(),
        });
    };
    let mut claimed = Claimed {
        sink: Some(sink),
        sops: Vec::new(),
    };
    match *unit {
        FetchUnit::Instance(series, instance) => {
            let Some(sop) = sop_at(layout, series, instance) else {
                return Taken::Skip;
            };
            let pauses = busy_pauses.get(&(series, instance)).copied().unwrap_or(0);
            match sink.claim(sop, pauses >= MAX_BUSY_PAUSES) {
                Claim::Fetch => {
                    claimed.sops.push(sop);
                    Taken::Fetch(claimed)
                }
                Claim::Held => {
                    count_held(assembly, progress_tx, series, instance);
                    Taken::Skip
                }
                Claim::Busy => {
                    busy_pauses.insert((series, instance), pauses + 1);
                    queue.lock().defer(series, instance);
                    if pauses > 0 {
                        Taken::StillBusy
                    } else {
                        Taken::Skip
                    }
                }
            }
        }
        FetchUnit::Series(series) => {
            let Some(layout_series) = layout.series.get(series) else {
                return Taken::Skip;
            };
            for instance in &layout_series.instances {
                let sop = instance.sop_instance_uid.as_str();
                if sink.claim(sop, false) != Claim::Fetch {
                    // Some of it is held, or on its way: fetching the series would bring
                    // those a second time (WADO-RS cannot leave them out).
                    drop(claimed);
                    queue.lock().reopen(series);
                    return Taken::Skip;
                }
                claimed.sops.push(sop);
            }
            Taken::Fetch(claimed)
        }
    }
}

/// Counts an instance kept already (not requested by this retrieval) towards its series'
/// progress.
fn count_held(
    assembly: &Mutex<Assembly<'_>>,
    progress_tx: &mpsc::UnboundedSender<RetrievalProgress>,
    series: usize,
    instance: usize,
) {
    let progress = assembly
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .held_elsewhere(series, instance);
    if let Some(progress) = progress {
        let _receiver_gone = progress_tx.send(progress);
    }
}

/// Errors after which fetching more of the study makes no sense.
fn ends_the_study(error: &DicomWebError) -> bool {
    error.is_unauthorized()
        || error.is_forbidden()
        || error.is_cancelled()
        || error.is_over_budget()
}

fn plain_reason(error: &DicomWebError) -> &'static str {
    if error.is_truncated() {
        "the transfer was cut short twice"
    } else if error.is_busy() {
        "the provider stayed busy"
    } else if error.is_timeout() {
        "the provider did not answer in time"
    } else if error.is_not_found() {
        "the provider does not have it"
    } else {
        "the provider's answer could not be used"
    }
}

/// The WADO-RS URL of a unit.
fn unit_url(
    layout: &StudyLayout,
    unit: &FetchUnit,
) -> Result<(url::Url, Resource, usize), DicomWebError> {
    let bad = || DicomWebError::BadUrl {
        resource: Resource::Series,
        reason: "the study address cannot take a series path".into(),
    };
    let mut url = layout.study_url.clone();
    let (series_index, instance) = match unit {
        FetchUnit::Instance(series, instance) => (*series, Some(*instance)),
        FetchUnit::Series(series) => (*series, None),
    };
    let series = layout.series.get(series_index).ok_or_else(bad)?;
    {
        let mut path = url.path_segments_mut().map_err(|()| bad())?;
        path.pop_if_empty().push("series").push(&series.series_uid);
        if let Some(index) = instance {
            let sop = series.instances.get(index).ok_or_else(bad)?;
            path.push("instances").push(&sop.sop_instance_uid);
        }
    }
    let resource = if instance.is_some() {
        Resource::Instance
    } else {
        Resource::Series
    };
    Ok((url, resource, series_index))
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
