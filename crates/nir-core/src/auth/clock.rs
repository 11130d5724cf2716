//! The clocks the signed-in session is measured by. Idle lock and token expiry count time on
//! a clock that keeps running while the machine is suspended: on Linux `CLOCK_BOOTTIME`,
//! which clock_gettime(2) describes as `CLOCK_MONOTONIC` plus the time the system was
//! suspended (Rust's `Instant` is `CLOCK_MONOTONIC` there and stops during suspend, so a
//! laptop resumed after an hour would find a 15-minute idle lock and a 5-minute token still
//! "fresh"). Elsewhere the wall clock stands in for suspended time: whatever it ran ahead of
//! `Instant` counts as time asleep, and it is never allowed to run the clock backwards.
//! Reading the suspend-counting clock beside the one that stops also reveals a resume
//! ([`ResumeDetector`]): the two drift apart only by time spent asleep. [`ManualClock`] lets
//! tests move time on, awake or suspended, without waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// A point on the suspend-counting clock (time since the clock's own origin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Moment(Duration);

impl Moment {
    /// The moment `offset` after the clock's origin.
    pub fn from_origin(offset: Duration) -> Self {
        Self(offset)
    }

    /// Time since the clock's origin.
    pub fn since_origin(self) -> Duration {
        self.0
    }

    /// This moment plus `span`, held at the clock's far end instead of overflowing.
    pub fn saturating_add(self, span: Duration) -> Self {
        Self(self.0.saturating_add(span))
    }

    /// How long after `earlier` this moment is (zero when it is not after it).
    pub fn saturating_duration_since(self, earlier: Moment) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

/// One reading of both clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reading {
    /// The suspend-counting clock.
    pub now: Moment,
    /// The clock that stops while the machine is suspended, from the same kind of origin.
    pub awake: Duration,
}

/// A source of [`Reading`]s.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Reads both clocks.
    fn read(&self) -> Reading;

    /// The suspend-counting clock alone.
    fn now(&self) -> Moment {
        self.read().now
    }
}

/// The machine's clocks; see [`system`] for the one every part of the viewer shares.
#[derive(Debug)]
pub struct SystemClock {
    kernel: bool,
    start: Instant,
    wall_start: SystemTime,
    /// Nanoseconds the wall clock has run ahead of `Instant` (only ever grows).
    asleep_nanos: AtomicU64,
}

impl SystemClock {
    fn new() -> Self {
        Self {
            kernel: kernel_reading().is_some(),
            start: Instant::now(),
            wall_start: SystemTime::now(),
            asleep_nanos: AtomicU64::new(0),
        }
    }

    /// `Instant` for awake time, the wall clock's lead over it for time asleep.
    fn portable_reading(&self) -> Reading {
        let awake = self.start.elapsed();
        let wall = SystemTime::now()
            .duration_since(self.wall_start)
            .unwrap_or_default();
        let ahead = u64::try_from(wall.saturating_sub(awake).as_nanos()).unwrap_or(u64::MAX);
        let asleep = self
            .asleep_nanos
            .fetch_max(ahead, Ordering::SeqCst)
            .max(ahead);
        Reading {
            now: Moment(awake.saturating_add(Duration::from_nanos(asleep))),
            awake,
        }
    }
}

impl Clock for SystemClock {
    fn read(&self) -> Reading {
        if self.kernel {
            if let Some(reading) = kernel_reading() {
                return reading;
            }
        }
        self.portable_reading()
    }
}

/// The process's one system clock (one origin, so moments from anywhere compare).
pub fn system() -> Arc<dyn Clock> {
    static CLOCK: OnceLock<Arc<SystemClock>> = OnceLock::new();
    let clock: Arc<SystemClock> = Arc::clone(CLOCK.get_or_init(|| Arc::new(SystemClock::new())));
    clock
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn kernel_reading() -> Option<Reading> {
    fn read(id: libc::clockid_t) -> Option<Duration> {
        let mut spec = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `spec` is a valid, writable timespec for the duration of the call.
        let status = unsafe { libc::clock_gettime(id, &mut spec) };
        if status != 0 {
            return None;
        }
        Some(Duration::new(
            u64::try_from(spec.tv_sec).ok()?,
            u32::try_from(spec.tv_nsec).ok()?,
        ))
    }
    Some(Reading {
        now: Moment(read(libc::CLOCK_BOOTTIME)?),
        awake: read(libc::CLOCK_MONOTONIC)?,
    })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn kernel_reading() -> Option<Reading> {
    None
}

/// A clock for tests: time moves only when told, awake or suspended.
#[derive(Debug, Default)]
pub struct ManualClock {
    reading: Mutex<Reading>,
}

impl ManualClock {
    /// A clock at its origin.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn with(&self, change: impl FnOnce(&mut Reading)) {
        change(
            &mut self
                .reading
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }

    /// Time passes with the machine awake: both clocks move.
    pub fn advance(&self, span: Duration) {
        self.with(|r| {
            r.now = r.now.saturating_add(span);
            r.awake = r.awake.saturating_add(span);
        });
    }

    /// The machine sleeps for `span`: only the suspend-counting clock moves.
    pub fn suspend(&self, span: Duration) {
        self.with(|r| r.now = r.now.saturating_add(span));
    }
}

impl Clock for ManualClock {
    fn read(&self) -> Reading {
        *self
            .reading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Suspended time below this is not taken for a sleep (the two clocks are read one after
/// the other, and the wall clock stand-in is stepped by time synchronisation).
pub const RESUME_THRESHOLD: Duration = Duration::from_secs(2);

/// Notices a resume from suspend: between two observations the suspend-counting clock
/// moved further than the awake clock.
#[derive(Debug, Clone)]
pub struct ResumeDetector {
    last: Reading,
}

impl ResumeDetector {
    /// Starts watching from `start`.
    pub fn new(start: Reading) -> Self {
        Self { last: start }
    }

    /// The time spent asleep since the previous observation, when it reaches
    /// [`RESUME_THRESHOLD`].
    pub fn observe(&mut self, now: Reading) -> Option<Duration> {
        let total = now.now.saturating_duration_since(self.last.now);
        let awake = now.awake.saturating_sub(self.last.awake);
        self.last = now;
        let asleep = total.saturating_sub(awake);
        (asleep >= RESUME_THRESHOLD).then_some(asleep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_saturate_instead_of_overflowing() {
        let late = Moment::from_origin(Duration::MAX);
        assert_eq!(
            late.saturating_add(Duration::from_secs(1)),
            Moment::from_origin(Duration::MAX)
        );
        assert_eq!(
            Moment::default().saturating_duration_since(late),
            Duration::ZERO
        );
    }

    #[test]
    fn a_resume_is_told_apart_from_time_awake() {
        let clock = ManualClock::new();
        let mut detector = ResumeDetector::new(clock.read());
        clock.advance(Duration::from_secs(3600));
        assert_eq!(detector.observe(clock.read()), None, "an hour awake");
        clock.suspend(Duration::from_secs(1));
        clock.advance(Duration::from_secs(5));
        assert_eq!(detector.observe(clock.read()), None, "under the threshold");
        clock.suspend(Duration::from_secs(600));
        clock.advance(Duration::from_secs(5));
        assert_eq!(
            detector.observe(clock.read()),
            Some(Duration::from_secs(600))
        );
        clock.advance(Duration::from_secs(5));
        assert_eq!(detector.observe(clock.read()), None, "reported once");
    }

    #[test]
    fn the_system_clock_counts_at_least_awake_time_and_never_goes_back() {
        let clock = system();
        let first = clock.read();
        std::thread::sleep(Duration::from_millis(20));
        let second = clock.read();
        assert!(second.now.saturating_duration_since(first.now) >= Duration::from_millis(20));
        assert!(second.awake >= first.awake + Duration::from_millis(20));
        assert!(second.now >= first.now);
        assert_eq!(
            ResumeDetector::new(first).observe(second),
            None,
            "no suspend in 20 ms"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_session_clock_is_boottime() {
        let reading = system().read();
        let mut boot = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid, writable timespec.
        assert_eq!(
            unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut boot) },
            0
        );
        let boot = Duration::new(boot.tv_sec as u64, boot.tv_nsec as u32);
        let read = reading.now.since_origin();
        assert!(boot >= read && boot - read < Duration::from_secs(1));
    }
}
