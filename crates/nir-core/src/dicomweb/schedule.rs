//! In what order a study is fetched, and how many requests run at once. The image the
//! clinician is looking at comes first (one instance request), then its neighbours outward
//! from the current slice, then the rest of that series and the other series, each as one
//! multipart request. Concurrency is bounded per server, progress is reported per series,
//! a cut or garbled transfer is retried once and then reported, and cancelling (closing
//! the study) stops everything and drops what was received. Only the study asked for is
//! fetched: priors are separate, explicit calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::stream::{self, StreamExt};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use super::accept::origin_of;
use super::assembly::Assembly;
use super::client::DicomWebClient;
use super::error::{DicomWebError, Resource};
use super::metadata::StudyLayout;
use super::retrieved::{RetrievalProgress, RetrievedStudy, StudyWarning};
use super::sink::InstanceSink;
use super::verify::Expectations;

/// Instances either side of the current slice fetched one by one before the series.
const NEIGHBOURS: usize = 4;

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

/// One request of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchUnit {
    /// One instance: (series index, instance index) in the layout.
    Instance(usize, usize),
    /// A whole series: series index in the layout.
    Series(usize),
}

impl FetchUnit {
    /// The SOP Instance UID this unit requests on its own, if it is a one-instance unit.
    pub fn single_instance<'a>(&self, layout: &'a StudyLayout) -> Option<&'a str> {
        match self {
            FetchUnit::Instance(series, instance) => layout
                .series
                .get(*series)?
                .instances
                .get(*instance)
                .map(|i| i.sop_instance_uid.as_str()),
            FetchUnit::Series(_) => None,
        }
    }
}

/// The order of requests for a study, given what is on screen.
pub fn plan(
    layout: &StudyLayout,
    current_series: Option<&str>,
    current_index: usize,
) -> Vec<FetchUnit> {
    let current = current_series
        .and_then(|uid| layout.series.iter().position(|s| s.series_uid == uid))
        .unwrap_or(0);
    let mut units = Vec::new();
    let Some(series) = layout.series.get(current) else {
        return units;
    };
    let count = series.instances.len();
    if count > 0 {
        let at = current_index.min(count - 1);
        units.push(FetchUnit::Instance(current, at));
        for step in 1..=NEIGHBOURS {
            if at + step < count {
                units.push(FetchUnit::Instance(current, at + step));
            }
            if step <= at {
                units.push(FetchUnit::Instance(current, at - step));
            }
        }
        if units.len() < count {
            units.push(FetchUnit::Series(current));
        }
    }
    units.extend(
        (0..layout.series.len())
            .filter(|&i| i != current)
            .map(FetchUnit::Series),
    );
    units
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
    /// (the returned study then holds the instances without their bytes) and telling it
    /// which instances are requested one by one.
    pub async fn retrieve_study_into(
        &self,
        layout: &StudyLayout,
        expectations: &Expectations,
        options: RetrieveOptions,
        sink: Option<&dyn InstanceSink>,
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
        let assembly = Mutex::new(assembly);
        let limit = self
            .limits
            .for_origin(&origin_of(&layout.study_url), options.concurrency);
        let units = plan(
            layout,
            options.current_series.as_deref(),
            options.current_index,
        );
        let mut units = units.into_iter();
        let (assembly_ref, progress_ref, cancel_ref, limit_ref) =
            (&assembly, &progress_tx, &cancel, &limit);
        let run = move |unit: FetchUnit| async move {
            // Announced only while its own request runs, so a request for the same image
            // from the screen can wait for this one instead of fetching it again.
            let single = unit.single_instance(layout).filter(|_| sink.is_some());
            if let (Some(sink), Some(sop)) = (sink, single) {
                sink.requesting(sop);
            }
            let outcome = self
                .fetch_unit(
                    layout,
                    unit,
                    assembly_ref,
                    progress_ref,
                    cancel_ref,
                    limit_ref,
                )
                .await;
            if let (Some(sink), Some(sop)) = (sink, single) {
                sink.settled(sop);
            }
            outcome
        };
        let started = std::time::Instant::now();
        if let Some(first) = units.next() {
            run(first).await?;
            crate::observability::global().first_image(
                &crate::observability::target_of(&layout.study_url),
                started.elapsed(),
            );
        }
        let mut pending = stream::iter(units)
            .map(run)
            .buffer_unordered(options.concurrency.max(1));
        while let Some(result) = pending.next().await {
            if let Err(error) = result {
                cancel.cancel();
                return Err(error);
            }
        }
        drop(pending);
        let assembly = assembly
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(assembly.finish())
    }

    /// Fetches one unit, retrying a cut transfer once; study-ending errors are returned,
    /// the rest become warnings.
    async fn fetch_unit(
        &self,
        layout: &StudyLayout,
        unit: FetchUnit,
        assembly: &Mutex<Assembly<'_>>,
        progress_tx: &mpsc::UnboundedSender<RetrievalProgress>,
        cancel: &CancellationToken,
        limit: &Semaphore,
    ) -> Result<(), DicomWebError> {
        let (url, resource, series_index) = unit_url(layout, &unit)?;
        let _permit = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
            permit = limit.acquire() => permit.map_err(|_| DicomWebError::Cancelled)?,
        };
        let mut last_error = None;
        for attempt in 0..2 {
            match self
                .fetch_verified(&url, resource, assembly, progress_tx, cancel)
                .await
            {
                Ok(_) => return Ok(()),
                Err(error) if error.is_retryable() => {
                    if attempt == 0 {
                        crate::observability::global().retry(
                            crate::observability::Stage::Retrieval,
                            &crate::observability::target_of(&url),
                        );
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
        if let (Some(error), FetchUnit::Series(_)) = (last_error, &unit) {
            let series = &layout.series[series_index];
            let name = series
                .number
                .map_or_else(|| format!("{}", series_index + 1), |n| n.to_string());
            let mut assembly = assembly.lock().unwrap_or_else(|p| p.into_inner());
            assembly.warn(StudyWarning {
                code: "transfer-failed",
                series_uid: Some(series.series_uid.clone()),
                message: format!(
                    "Series {name} could not be loaded completely ({}).",
                    plain_reason(&error)
                ),
            });
        }
        Ok(())
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
