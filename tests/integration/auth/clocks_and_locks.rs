//! Time, sleep and the signed-in session: token lifetimes counted on a clock that runs
//! through suspend (a [`ManualClock`] moves time on, awake or asleep), refreshes that fail
//! locking the session once the token is gone, an `expires_in` of `u64::MAX`, logind's
//! `PrepareForSleep` on a private D-Bus daemon started by the test, and a sign-in that
//! demands a smartcard failing when the card cannot be watched (PC/SC test double).
//!
//! The token endpoint stand-in answers as RFC 6749 §5.1 (success) and §5.2 (error: HTTP 400
//! with an `error` code) describe; it serves a fixed number of requests on 127.0.0.1.

use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use zeroize::Zeroizing;

use nir_viewer::auth::client_auth::ClientCredentials;
use nir_viewer::auth::clock::{Clock, ManualClock};
use nir_viewer::auth::establish::{establish, SessionWatches, WatchTiming};
use nir_viewer::auth::flow::SignedIn;
use nir_viewer::auth::id_token::Identity;
use nir_viewer::auth::settings::AuthSettings;
use nir_viewer::auth::sign_in_state::{EndReason, SignInState, SignInStatus};
use nir_viewer::auth::sleep_watch::{
    SleepWatch, LOGIND_MANAGER, LOGIND_NAME, LOGIND_PATH, PREPARE_FOR_SLEEP,
};
use nir_viewer::auth::smartcard::{CardReaders, SmartcardError};
use nir_viewer::auth::token_endpoint::{IssuedTokens, TokenEndpoint, MAX_TOKEN_LIFETIME};
use nir_viewer::auth::tokens::Tokens;
use nir_viewer::auth::userinfo::RoleSource;
use nir_viewer::auth::AuthError;
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings};

use crate::support::read_http_request;

/// A token endpoint that gives every request the same answer, up to `limit` requests.
struct TokenDouble {
    url: url::Url,
    requests: Arc<AtomicUsize>,
}

impl TokenDouble {
    async fn start(status: &'static str, body: &'static str, limit: usize) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = url::Url::parse(&format!(
            "http://127.0.0.1:{}/token",
            listener.local_addr().unwrap().port()
        ))
        .unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&requests);
        tokio::spawn(async move {
            for _ in 0..limit {
                let Ok(Ok((mut socket, _))) =
                    tokio::time::timeout(Duration::from_secs(60), listener.accept()).await
                else {
                    return;
                };
                let _request = read_http_request(&mut socket).await;
                counted.fetch_add(1, Ordering::SeqCst);
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                     cache-control: no-store\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        Self { url, requests }
    }

    fn endpoint(&self, clock: &Arc<ManualClock>) -> TokenEndpoint {
        TokenEndpoint::new(
            build_client(&NetworkSettings::default()).unwrap(),
            self.url.clone(),
            None,
            ClientCredentials::Public {
                client_id: "nir-viewer-test".into(),
            },
        )
        .with_clock(Arc::clone(clock) as Arc<dyn Clock>)
    }
}

fn identity() -> Identity {
    Identity {
        subject: "910000000001".into(),
        user_uid: None,
        name: None,
        role_id: "920000000101".into(),
        role_code: "S8000:G8000:R8000".into(),
        role_name: None,
        ods: Some("XTR01".into()),
    }
}

/// A session on `clock` whose wipes arrive on the returned channel.
fn session_on(clock: &Arc<ManualClock>) -> (Arc<SignInState>, mpsc::Receiver<EndReason>) {
    let (wiped_tx, wiped_rx) = mpsc::channel();
    let wiped_tx = Mutex::new(wiped_tx);
    let session = SignInState::with_clock(
        Duration::from_secs(900),
        Arc::new(move |reason| {
            let _ = wiped_tx.lock().unwrap().send(reason);
        }),
        Arc::clone(clock) as Arc<dyn Clock>,
    );
    (session, wiped_rx)
}

/// Tokens as a sign-in would hand them over, living `lifetime` on `clock` and refreshed at
/// `double`.
async fn tokens_for(
    double: &TokenDouble,
    clock: &Arc<ManualClock>,
    lifetime: Duration,
    refresh_token: bool,
) -> Arc<Tokens> {
    let issued = IssuedTokens {
        access_token: Zeroizing::new("access-1".into()),
        refresh_token: refresh_token.then(|| Zeroizing::new("refresh-1".into())),
        id_token: None,
        expires_at: clock.now().saturating_add(lifetime),
    };
    Tokens::start(
        double.endpoint(clock),
        issued,
        None,
        Duration::from_secs(60),
    )
    .await
    .unwrap()
}

/// The reason of the next wipe, waited for off the runtime's threads for up to 30 s.
async fn next_wipe(wiped: mpsc::Receiver<EndReason>) -> EndReason {
    tokio::task::spawn_blocking(move || wiped.recv_timeout(Duration::from_secs(30)))
        .await
        .unwrap()
        .unwrap()
}

/// A session on `clock` signed in with `tokens`, and the channel its wipes arrive on.
fn signed_in_session(
    clock: &Arc<ManualClock>,
    tokens: &Arc<Tokens>,
) -> (Arc<SignInState>, mpsc::Receiver<EndReason>) {
    let (session, wiped) = session_on(clock);
    session.begin_sign_in().unwrap();
    session
        .complete_sign_in(identity(), Some(Arc::clone(tokens)))
        .unwrap();
    (session, wiped)
}

async fn wait_for(mut condition: impl FnMut() -> bool) {
    for _ in 0..600 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached within 30 s");
}

#[tokio::test]
async fn a_token_that_lapsed_during_suspend_is_expired_and_withheld() {
    let clock = ManualClock::new();
    let double = TokenDouble::start("500 Internal Server Error", "{}", 0).await;
    let tokens = tokens_for(&double, &clock, Duration::from_secs(600), true).await;
    clock.advance(Duration::from_secs(60));
    assert!(!tokens.needs_refresh());
    assert!(tokens.bearer().is_some());
    // Ten minutes asleep: the awake clock stood still, the token's lifetime did not.
    clock.suspend(Duration::from_secs(600));
    assert!(tokens.needs_refresh());
    assert!(tokens.is_expired());
    assert!(
        tokens.bearer().is_none(),
        "an expired token is not handed out"
    );
}

#[tokio::test]
async fn a_refused_refresh_locks_the_session_once_the_token_has_expired() {
    let clock = ManualClock::new();
    let double = TokenDouble::start("400 Bad Request", r#"{"error":"invalid_grant"}"#, 1000).await;
    let tokens = tokens_for(&double, &clock, Duration::from_secs(30), true).await;
    let (session, wiped) = signed_in_session(&clock, &tokens);
    let refresher = session.keep_tokens_fresh(&tokens, Duration::from_millis(20));

    // Inside the refresh margin: refreshes are tried and refused, the token still works.
    let requests = Arc::clone(&double.requests);
    wait_for(|| requests.load(Ordering::SeqCst) >= 2).await;
    assert!(matches!(session.state(), SignInStatus::SignedIn(_)));
    assert!(wiped.try_recv().is_err());

    clock.advance(Duration::from_secs(31));
    let reason = next_wipe(wiped).await;
    assert_eq!(reason, EndReason::TokensLost);
    assert_eq!(session.state(), SignInStatus::Locked(EndReason::TokensLost));
    assert!(session.tokens().is_none());
    assert!(tokens.bearer().is_none(), "the lock cleared the tokens");
    tokio::time::timeout(Duration::from_secs(30), refresher)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn tokens_that_cannot_be_renewed_lock_the_session_when_refresh_is_due() {
    let clock = ManualClock::new();
    let double = TokenDouble::start("500 Internal Server Error", "{}", 0).await;
    let tokens = tokens_for(&double, &clock, Duration::from_secs(30), false).await;
    let (session, wiped) = signed_in_session(&clock, &tokens);
    let _refresher = session.keep_tokens_fresh(&tokens, Duration::from_millis(20));
    let reason = next_wipe(wiped).await;
    assert_eq!(reason, EndReason::TokensLost);
    assert_eq!(double.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_endless_expires_in_is_capped_at_a_day() {
    let clock = ManualClock::new();
    clock.advance(Duration::from_secs(1000));
    let double = TokenDouble::start(
        "200 OK",
        r#"{"access_token":"a","token_type":"Bearer","expires_in":18446744073709551615}"#,
        2,
    )
    .await;
    let endpoint = double.endpoint(&clock);
    let issued = endpoint.refresh("refresh-1").await.unwrap();
    assert_eq!(
        issued.expires_at.saturating_duration_since(clock.now()),
        MAX_TOKEN_LIFETIME
    );
    let redirect = url::Url::parse("http://127.0.0.1:1/callback").unwrap();
    let issued = endpoint.redeem_code("code", "verifier", &redirect).await;
    assert!(issued.is_ok(), "{issued:?}");
}

/// A private `dbus-daemon` for one test, stopped on drop.
struct PrivateBus {
    child: std::process::Child,
    address: String,
    _dir: tempdir::Dir,
}

mod tempdir {
    /// A directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl PrivateBus {
    fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("nir-bus-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:dir={}", dir.display()))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dbus-daemon (Debian package dbus, installed by make deps-test)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("unix:"), "{line}");
        Self {
            child,
            address: line.trim().to_owned(),
            _dir: tempdir::Dir(dir),
        }
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `PrepareForSleep(starting)` from `connection`, as logind does.
fn announce(connection: &dbus::blocking::Connection, starting: bool) {
    use dbus::channel::Sender;
    let signal = dbus::Message::new_signal(LOGIND_PATH, LOGIND_MANAGER, PREPARE_FOR_SLEEP)
        .unwrap()
        .append1(starting);
    connection.send(signal).unwrap();
    connection.channel().flush();
}

#[test]
fn logind_announcing_sleep_locks_the_session() {
    let bus = PrivateBus::start();
    let clock = ManualClock::new();
    let (session, wiped) = session_on(&clock);
    session.begin_sign_in().unwrap();
    session.complete_sign_in(identity(), None).unwrap();
    let watch = SleepWatch::start_at(&bus.address, &session).unwrap();

    let logind = dbus::blocking::Connection::new_address(&bus.address).unwrap();
    logind.request_name(LOGIND_NAME, false, true, true).unwrap();
    let impostor = dbus::blocking::Connection::new_address(&bus.address).unwrap();

    // Waking up, or someone other than logind announcing sleep, does not lock.
    announce(&logind, false);
    announce(&impostor, true);
    assert!(wiped.recv_timeout(Duration::from_millis(500)).is_err());
    assert!(matches!(session.state(), SignInStatus::SignedIn(_)));

    announce(&logind, true);
    assert_eq!(
        wiped.recv_timeout(Duration::from_secs(30)).unwrap(),
        EndReason::Suspended
    );
    assert_eq!(session.state(), SignInStatus::Locked(EndReason::Suspended));
    assert!(watch.is_running());
    drop(watch);
}

#[test]
fn without_a_bus_the_sleep_watch_reports_why() {
    let clock = ManualClock::new();
    let (session, _wiped) = session_on(&clock);
    let missing = std::env::temp_dir().join(format!("nir-no-bus-{}", uuid::Uuid::new_v4()));
    let outcome = SleepWatch::start_at(&format!("unix:path={}", missing.display()), &session);
    assert!(outcome.is_err());
}

/// A reader double: a card in "Reader 0" while `card_in`.
struct Readers {
    card_in: Arc<Mutex<bool>>,
}

impl CardReaders for Readers {
    fn readers_with_card(&mut self) -> Result<Vec<String>, SmartcardError> {
        Ok(if *self.card_in.lock().unwrap() {
            vec!["Reader 0".into()]
        } else {
            Vec::new()
        })
    }
    fn card_present_after_wait(
        &mut self,
        _reader: &str,
        timeout: Duration,
    ) -> Result<bool, SmartcardError> {
        std::thread::sleep(timeout);
        Ok(*self.card_in.lock().unwrap())
    }
}

fn readers(card_in: &Arc<Mutex<bool>>) -> Result<Box<dyn CardReaders>, SmartcardError> {
    Ok(Box::new(Readers {
        card_in: Arc::clone(card_in),
    }))
}

fn smartcard_settings(required: bool) -> AuthSettings {
    let mut settings = AuthSettings::new(
        url::Url::parse("https://cis2.example.nhs.uk/").unwrap(),
        "nir-viewer-test",
    );
    if required {
        settings.accepted_amr = vec!["N3_SMARTCARD".into()];
    }
    settings
}

async fn signed_in_with(clock: &Arc<ManualClock>) -> SignedIn {
    let double = TokenDouble::start("500 Internal Server Error", "{}", 0).await;
    SignedIn {
        identity: identity(),
        tokens: tokens_for(&double, clock, Duration::from_secs(3600), true).await,
        role_source: RoleSource::UserInfo,
    }
}

fn quick() -> WatchTiming {
    WatchTiming {
        refresh: Duration::from_millis(50),
        idle: Duration::from_millis(50),
        card: Duration::from_millis(20),
    }
}

/// What `establish` makes of a fresh sign-in on `clock`, with a smartcard `required` or not
/// and `readers` to watch it with; the session, its wipes and the sign-in come with it.
async fn establish_on(
    clock: &Arc<ManualClock>,
    required: bool,
    readers: Result<Box<dyn CardReaders>, SmartcardError>,
) -> (
    Arc<SignInState>,
    mpsc::Receiver<EndReason>,
    SignedIn,
    Result<SessionWatches, AuthError>,
) {
    let (session, wiped) = session_on(clock);
    let signed_in = signed_in_with(clock).await;
    session.begin_sign_in().unwrap();
    let outcome = establish(
        &session,
        &signed_in,
        &smartcard_settings(required),
        readers,
        quick(),
    )
    .await;
    (session, wiped, signed_in, outcome)
}

#[tokio::test]
async fn a_sign_in_that_demands_a_smartcard_fails_when_the_card_cannot_be_watched() {
    let clock = ManualClock::new();
    let no_card = Arc::new(Mutex::new(false));
    for (readers, expected) in [
        (readers(&no_card), SmartcardError::NoCard),
        (Err(SmartcardError::NoService), SmartcardError::NoService),
    ] {
        let (session, wiped, signed_in, outcome) = establish_on(&clock, true, readers).await;
        match outcome {
            Err(AuthError::Smartcard(error)) => assert_eq!(error, expected),
            other => panic!("sign-in went on: {other:?}"),
        }
        let message =
            nir_viewer::error::UserFacing::user_message(&AuthError::Smartcard(expected.clone()));
        assert!(message.contains("requires a smartcard"), "{message}");
        assert_eq!(session.state(), SignInStatus::SignedOut);
        assert!(
            signed_in.tokens.bearer().is_none(),
            "the fresh tokens are dropped"
        );
        assert!(wiped.try_recv().is_err());
    }
}

#[tokio::test]
async fn without_a_smartcard_demand_sign_in_goes_on_unwatched() {
    let clock = ManualClock::new();
    let (session, _wiped, _signed_in, outcome) =
        establish_on(&clock, false, Err(SmartcardError::NoService)).await;
    let watches = outcome.unwrap();
    assert!(watches.card.is_none());
    assert!(matches!(session.state(), SignInStatus::SignedIn(_)));
    assert!(session.tokens().is_some());
}

#[tokio::test]
async fn a_demanded_smartcard_is_watched_and_its_removal_locks() {
    let clock = ManualClock::new();
    let card_in = Arc::new(Mutex::new(true));
    let (session, wiped, _signed_in, outcome) = establish_on(&clock, true, readers(&card_in)).await;
    let watches = outcome.unwrap();
    assert!(watches.card.is_some());
    assert!(matches!(session.state(), SignInStatus::SignedIn(_)));
    *card_in.lock().unwrap() = false;
    let reason = next_wipe(wiped).await;
    assert_eq!(reason, EndReason::CardRemoved);
}

#[tokio::test]
async fn the_idle_watch_locks_a_session_that_slept() {
    let clock = ManualClock::new();
    let (session, wiped, _signed_in, outcome) =
        establish_on(&clock, false, Err(SmartcardError::NoService)).await;
    let _watches = outcome.unwrap();
    clock.advance(Duration::from_secs(10));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(matches!(session.state(), SignInStatus::SignedIn(_)));
    clock.suspend(Duration::from_secs(120));
    let reason = next_wipe(wiped).await;
    assert_eq!(reason, EndReason::Suspended);
}
