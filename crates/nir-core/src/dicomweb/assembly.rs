//! Putting a study together from parts as they arrive, whatever request they came from:
//! each part is checked ([`super::verify`]), matched against the metadata, admitted or
//! quarantined, counted against the memory budget, and reported as progress. The same
//! instance arriving twice with identical bytes (the scheduler fetches some instances
//! individually before their series) is ignored; with different bytes it is quarantined
//! (compared by length and a keyed hash, so nothing needs to be held for the comparison).
//! With an [`InstanceSink`], each admitted instance goes to it at once (write-through) and
//! the assembly keeps only what it needs to count and order.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::error::DicomWebError;
use super::identity_match::IdentityMatch;
use super::metadata::StudyLayout;
use super::multipart::Part;
use super::retrieved::{
    QuarantinedInstance, RetrievalProgress, RetrievedInstance, RetrievedSeries, RetrievedStudy,
    StudyWarning,
};
use super::sink::InstanceSink;
use super::verify::{Expectations, QuarantineReason, Verdict};

/// The study being assembled.
pub struct Assembly<'a> {
    layout: &'a StudyLayout,
    expectations: &'a Expectations,
    /// SOP Instance UID → Series Instance UID, from the metadata.
    announced: HashMap<&'a str, &'a str>,
    admitted: HashMap<String, RetrievedInstance>,
    quarantined: Vec<QuarantinedInstance>,
    quarantine_seen: HashSet<(Option<String>, String)>,
    warnings: Vec<StudyWarning>,
    matched_by: BTreeSet<IdentityMatch>,
    /// Where admitted instances go at once, if anywhere.
    sink: Option<&'a dyn InstanceSink>,
    bytes_held: u64,
    budget_bytes: u64,
    /// When the retrieval began, for the time to its first admitted instance.
    started: std::time::Instant,
    /// Told once, when the first part of any response has been looked at.
    first_part: Option<std::sync::Arc<tokio::sync::Notify>>,
}

impl<'a> Assembly<'a> {
    /// An empty assembly for `layout`, holding at most `budget_bytes`.
    pub fn new(layout: &'a StudyLayout, expectations: &'a Expectations, budget_bytes: u64) -> Self {
        let announced = layout
            .series
            .iter()
            .flat_map(|series| {
                series
                    .instances
                    .iter()
                    .map(move |i| (i.sop_instance_uid.as_str(), series.series_uid.as_str()))
            })
            .collect();
        Self {
            layout,
            expectations,
            announced,
            admitted: HashMap::new(),
            quarantined: Vec::new(),
            quarantine_seen: HashSet::new(),
            warnings: Vec::new(),
            matched_by: BTreeSet::new(),
            sink: None,
            bytes_held: 0,
            budget_bytes,
            started: std::time::Instant::now(),
            first_part: None,
        }
    }

    /// Tells `signal` (once, with a stored permit) when the first part of any response has
    /// been filed or quarantined: the scheduler then knows whether the image on screen came
    /// first.
    pub fn signalling_first_part(mut self, signal: std::sync::Arc<tokio::sync::Notify>) -> Self {
        self.first_part = Some(signal);
        self
    }

    /// Whether the instance `sop` has been admitted (or counted as held elsewhere).
    pub fn is_admitted(&self, sop: &str) -> bool {
        self.admitted.contains_key(sop)
    }

    /// Hands every admitted instance to `sink` as it is admitted.
    pub fn with_sink(mut self, sink: &'a dyn InstanceSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Checks and files one part; returns the progress of its series when something changed.
    #[cfg(test)]
    pub fn accept(&mut self, part: Part) -> Result<Option<RetrievalProgress>, DicomWebError> {
        let verdict = super::verify::check_instance(&part.body, self.expectations);
        self.accept_checked(part, verdict)
    }

    /// What every instance must match.
    pub fn expectations(&self) -> &Expectations {
        self.expectations
    }

    /// Files a part that [`check_instance`] has already looked at.
    pub fn accept_checked(
        &mut self,
        part: Part,
        verdict: Verdict,
    ) -> Result<Option<RetrievalProgress>, DicomWebError> {
        let outcome = self.file_checked(part, verdict);
        if let Some(signal) = self.first_part.take() {
            signal.notify_one();
        }
        outcome
    }

    fn file_checked(
        &mut self,
        part: Part,
        verdict: Verdict,
    ) -> Result<Option<RetrievalProgress>, DicomWebError> {
        let sop = verdict.facts.sop_instance_uid.clone();
        let announced_series = self.announced.get(sop.as_str()).copied();
        let problem = verdict.problem.or_else(|| match announced_series {
            None => Some(QuarantineReason::NotInMetadata),
            Some(series) if series != verdict.facts.series_uid => {
                Some(QuarantineReason::NotInMetadata)
            }
            Some(_) => None,
        });
        let problem = problem.or_else(|| {
            // A second copy of an instance already filed is a harmless repeat only if it is
            // byte for byte the same; compared with what is kept, not with a fingerprint of it,
            // so the bytes of every instance are not hashed for the rare repeat.
            let held = self.admitted.get(&sop)?;
            let same = match self.sink {
                Some(sink) => sink.kept_equals(&sop, &part.body)?,
                None => held.bytes[..] == part.body[..],
            };
            (!same).then_some(QuarantineReason::DuplicateSopInstance)
        });
        let series_uid = announced_series.map(str::to_string).or_else(|| {
            (!verdict.facts.series_uid.is_empty()).then(|| verdict.facts.series_uid.clone())
        });
        if let Some(reason) = problem {
            let key = (series_uid.clone(), format!("{sop}|{reason}"));
            if !self.quarantine_seen.insert(key) {
                return Ok(None);
            }
            self.quarantined.push(QuarantinedInstance {
                sop_instance_uid: (!sop.is_empty()).then_some(sop),
                series_uid: series_uid.clone(),
                reason,
            });
            return Ok(series_uid.map(|series| self.progress(&series)));
        }
        if self.admitted.contains_key(&sop) {
            return Ok(None);
        }
        self.bytes_held += part.body.len() as u64;
        if self.bytes_held > self.budget_bytes {
            return Err(DicomWebError::OverBudget {
                needed_bytes: self.bytes_held,
                budget_bytes: self.budget_bytes,
            });
        }
        let series = verdict.facts.series_uid.clone();
        self.matched_by.extend(verdict.facts.matched_by);
        let instance = RetrievedInstance {
            sop_instance_uid: sop.clone(),
            series_uid: verdict.facts.series_uid,
            transfer_syntax: verdict.facts.transfer_syntax,
            bytes: part.body,
        };
        if self.admitted.is_empty() {
            crate::observability::global().first_image(
                &crate::observability::target_of(&self.layout.study_url),
                self.started.elapsed(),
            );
        }
        let kept = match self.sink {
            Some(sink) => {
                let stub = instance.without_bytes();
                sink.keep(instance)?;
                stub
            }
            None => instance,
        };
        self.admitted.insert(sop, kept);
        Ok(Some(self.progress(&series)))
    }

    /// Counts an instance of the layout that was kept without this retrieval fetching it
    /// (the screen fetched it meanwhile), so the series is not reported short; nothing is
    /// requested or accepted for it again.
    pub fn held_elsewhere(&mut self, series: usize, instance: usize) -> Option<RetrievalProgress> {
        let series = self.layout.series.get(series)?;
        let sop = &series.instances.get(instance)?.sop_instance_uid;
        if self.admitted.contains_key(sop) {
            return None;
        }
        self.admitted.insert(
            sop.clone(),
            RetrievedInstance {
                sop_instance_uid: sop.clone(),
                series_uid: series.series_uid.clone(),
                transfer_syntax: String::new(),
                bytes: zeroize::Zeroizing::new(Vec::new()),
            },
        );
        Some(self.progress(&series.series_uid))
    }

    /// Records a warning (e.g. a transfer that failed twice) unless one with the same
    /// code about the same series is there.
    pub fn warn_once(&mut self, warning: StudyWarning) {
        let known = self
            .warnings
            .iter()
            .any(|w| w.code == warning.code && w.series_uid == warning.series_uid);
        if !known {
            self.warnings.push(warning);
        }
    }

    fn progress(&self, series_uid: &str) -> RetrievalProgress {
        let series = self.layout.series(series_uid);
        let expected = series.map_or(0, |s| s.instances.len());
        let received = series.map_or(0, |s| {
            s.instances
                .iter()
                .filter(|i| self.admitted.contains_key(&i.sop_instance_uid))
                .count()
        });
        let quarantined = self
            .quarantined
            .iter()
            .filter(|q| q.series_uid.as_deref() == Some(series_uid))
            .count();
        RetrievalProgress {
            series_uid: series_uid.to_string(),
            received,
            quarantined,
            expected,
        }
    }

    /// Orders what was admitted by the layout and adds the count and quarantine warnings.
    pub fn finish(mut self) -> RetrievedStudy {
        let mut series_out = Vec::new();
        for (position, series) in self.layout.series.iter().enumerate() {
            let instances: Vec<RetrievedInstance> = series
                .instances
                .iter()
                .filter_map(|i| self.admitted.remove(&i.sop_instance_uid))
                .collect();
            let expected = series.instances.len();
            if instances.len() < expected {
                let name = series
                    .number
                    .map_or_else(|| format!("{}", position + 1), |n| n.to_string());
                self.warnings.push(StudyWarning {
                    code: "series-incomplete",
                    series_uid: Some(series.series_uid.clone()),
                    message: format!(
                        "Series {name}: {} of {expected} images can be shown.",
                        instances.len()
                    ),
                });
            }
            series_out.push(RetrievedSeries {
                series_uid: series.series_uid.clone(),
                expected,
                instances,
            });
        }
        if !self.quarantined.is_empty() {
            self.warnings.insert(
                0,
                StudyWarning {
                    code: "instances-quarantined",
                    series_uid: None,
                    message: format!(
                        "{} image(s) were withheld because they failed the safety checks \
                         (for example, they name a different patient). Do not rely on this \
                         study being complete.",
                        self.quarantined.len()
                    ),
                },
            );
        }
        RetrievedStudy {
            study_uid: self.layout.study_uid.clone(),
            series: series_out,
            quarantined: self.quarantined,
            warnings: self.warnings,
            matched_by: self.matched_by.into_iter().collect(),
        }
    }
}

#[cfg(test)]
#[path = "assembly_tests.rs"]
mod tests;
