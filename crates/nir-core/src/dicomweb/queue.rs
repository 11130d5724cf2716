//! The one queue a study's retrieval takes its requests from, ordered by what is on
//! screen. The series in focus goes first, as one series request (WADO-RS, PS3.18
//! 10.4.1.1.2): one request per instance costs a server several times more for the same
//! bytes, and WADO-RS has no request for "these instances of a series". The image on screen
//! when the study opens is remembered ([`RetrievalQueue::first_shown`]): a server commonly
//! sends a series in acquisition order, which is where the stack starts, so that image is
//! usually the response's first part; when it is not, the scheduler asks for it on its own
//! beside the series (see [`super::schedule`]). The other series follow, each as one
//! request, the series in focus always next. A series any of whose instances are already
//! held, or being fetched for the screen, cannot go whole without bringing those again, so
//! it is taken instance by instance instead, nearest the image on screen first and
//! favouring the direction the clinician scrolls. One the screen is fetching meanwhile is
//! set aside and looked at again when the rest is done.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

use super::metadata::StudyLayout;
use super::schedule::FetchUnit;

/// Which way the clinician is scrolling through a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Towards higher indices.
    #[default]
    Forward,
    /// Towards lower indices.
    Backward,
    /// Not scrolling: both sides count the same.
    Still,
}

/// What is on screen: a series of the layout, an instance of it, the scroll direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    /// Series index in the layout.
    pub series: usize,
    /// Instance index within that series (display order).
    pub instance: usize,
    /// Scroll direction.
    pub direction: Direction,
}

/// How one series is being fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SeriesState {
    /// Nothing taken yet: may still go as one series request.
    Untouched,
    /// Taken by one series request.
    Whole,
    /// Taken instance by instance: the indices still pending.
    Singly(BTreeSet<usize>),
}

/// A study's pending requests.
#[derive(Debug)]
pub struct RetrievalQueue {
    series: Vec<SeriesState>,
    sizes: Vec<usize>,
    /// Per series, the instance last in focus there (where to carry on from).
    last_at: Vec<usize>,
    focus: Focus,
    /// Instances set aside because someone else was fetching them: (series, instance).
    deferred: VecDeque<(usize, usize)>,
    /// The image on screen at the start: (series, instance).
    first_shown: Option<(usize, usize)>,
}

/// A queue shared between the retrieval and whoever reports the focus.
#[derive(Debug, Clone)]
pub struct SharedQueue(Arc<Mutex<RetrievalQueue>>);

impl SharedQueue {
    /// Shares `queue`.
    pub fn new(queue: RetrievalQueue) -> Self {
        Self(Arc::new(Mutex::new(queue)))
    }

    /// Locks the queue (a poisoned lock is still usable: the queue has no invariant a
    /// panic half-way could break beyond losing one unit).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, RetrievalQueue> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the focus (see [`RetrievalQueue::focus`]).
    pub fn focus(&self, focus: Focus) {
        self.lock().focus(focus);
    }
}

impl RetrievalQueue {
    /// A queue for every instance of `layout`, focused on `focus` (clamped to the layout).
    pub fn new(layout: &StudyLayout, focus: Focus) -> Self {
        let sizes: Vec<usize> = layout.series.iter().map(|s| s.instances.len()).collect();
        let mut queue = Self {
            series: vec![SeriesState::Untouched; sizes.len()],
            last_at: vec![0; sizes.len()],
            sizes,
            focus,
            deferred: VecDeque::new(),
            first_shown: None,
        };
        queue.focus(focus);
        if queue.sizes.get(queue.focus.series).is_some_and(|&n| n > 0) {
            queue.first_shown = Some((queue.focus.series, queue.focus.instance));
        }
        queue
    }

    /// The image on screen when the study opened, (series, instance), if the layout has it.
    pub fn first_shown(&self) -> Option<(usize, usize)> {
        self.first_shown
    }

    /// The focus as last reported.
    pub fn current_focus(&self) -> Focus {
        self.focus
    }

    /// Moves the focus; a focus outside the layout is clamped, an unknown series ignored.
    /// A series not yet started is then the next request, whole.
    pub fn focus(&mut self, focus: Focus) {
        let Some(&size) = self.sizes.get(focus.series) else {
            return;
        };
        self.focus = Focus {
            instance: focus.instance.min(size.saturating_sub(1)),
            ..focus
        };
        self.last_at[focus.series] = self.focus.instance;
    }

    /// Takes a series handed out whole instance by instance after all (its series request
    /// was not made).
    pub fn reopen(&mut self, series: usize) {
        if let (Some(state), Some(&size)) = (self.series.get_mut(series), self.sizes.get(series)) {
            if *state == SeriesState::Whole {
                *state = SeriesState::Singly((0..size).collect());
            }
        }
    }

    /// Sets aside an instance someone else is fetching, to look at again last.
    pub fn defer(&mut self, series: usize, instance: usize) {
        self.deferred.push_back((series, instance));
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.deferred.is_empty()
            && self.series.iter().all(|state| match state {
                SeriesState::Untouched => false,
                SeriesState::Whole => true,
                SeriesState::Singly(pending) => pending.is_empty(),
            })
    }

    /// The next request: the focused series whole if it is untouched, else its pending
    /// instance nearest the focus (ahead in the scroll direction first); then the other
    /// series in layout order (as one series request if untouched, else onwards from where
    /// the focus last was there); then what was set aside.
    pub fn next_unit(&mut self) -> Option<FetchUnit> {
        let focus = self.focus;
        if self.series.get(focus.series) == Some(&SeriesState::Untouched) {
            self.series[focus.series] = SeriesState::Whole;
            return Some(FetchUnit::Series(focus.series));
        }
        if let Some(instance) = self.nearest(focus) {
            return Some(self.take(focus.series, instance));
        }
        for series in 0..self.series.len() {
            match &self.series[series] {
                SeriesState::Untouched => {
                    self.series[series] = SeriesState::Whole;
                    return Some(FetchUnit::Series(series));
                }
                SeriesState::Singly(_) => {
                    let from = Focus {
                        series,
                        instance: self.last_at[series],
                        direction: Direction::Forward,
                    };
                    if let Some(instance) = self.nearest(from) {
                        return Some(self.take(series, instance));
                    }
                }
                SeriesState::Whole => {}
            }
        }
        self.deferred
            .pop_front()
            .map(|(series, instance)| FetchUnit::Instance(series, instance))
    }

    fn take(&mut self, series: usize, instance: usize) -> FetchUnit {
        if let Some(SeriesState::Singly(pending)) = self.series.get_mut(series) {
            pending.remove(&instance);
        }
        FetchUnit::Instance(series, instance)
    }

    /// The pending instance of the focused series to fetch next, if any.
    fn nearest(&self, focus: Focus) -> Option<usize> {
        let Some(SeriesState::Singly(pending)) = self.series.get(focus.series) else {
            return None;
        };
        let at = focus.instance;
        let above = pending.range(at..).next().copied();
        let below = pending.range(..at).next_back().copied();
        // Cost of a candidate: its distance, doubled behind the scroll direction; on a tie
        // the side ahead goes first.
        let (ahead, behind) = match focus.direction {
            Direction::Forward | Direction::Still => (above, below),
            Direction::Backward => (below, above),
        };
        let weight_behind = if focus.direction == Direction::Still {
            1
        } else {
            2
        };
        let cost = |index: usize, weight: usize| index.abs_diff(at) * weight;
        match (ahead, behind) {
            (Some(a), Some(b)) if cost(b, weight_behind) < cost(a, 1) => Some(b),
            (Some(a), _) => Some(a),
            (None, b) => b,
        }
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
