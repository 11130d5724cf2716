//! Card out means locked: a signed-in session watched through the public `CardReaders`
//! trait with a PC/SC test double (a real pcscd would need its fixed system socket and a
//! virtual reader listening on every interface, which a test must not impose on the
//! machine). Removing the card locks the session and calls the app's wipe callback once.

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use nir_viewer::auth::id_token::Identity;
use nir_viewer::auth::sign_in_state::{EndReason, SignInState, SignInStatus};
use nir_viewer::auth::smartcard::{CardReaders, CardWatch, SmartcardError};

/// A reader with a card in it until the test says otherwise.
struct VirtualReader {
    card_in: Arc<Mutex<bool>>,
}

impl CardReaders for VirtualReader {
    fn readers_with_card(&mut self) -> Result<Vec<String>, SmartcardError> {
        Ok(if *self.card_in.lock().unwrap() {
            vec!["Virtual PCD 00 00".into()]
        } else {
            Vec::new()
        })
    }

    fn card_present_after_wait(
        &mut self,
        reader: &str,
        timeout: Duration,
    ) -> Result<bool, SmartcardError> {
        assert_eq!(
            reader, "Virtual PCD 00 00",
            "the watch follows the reader used at sign-in"
        );
        std::thread::sleep(timeout);
        Ok(*self.card_in.lock().unwrap())
    }
}

#[test]
fn pulling_the_card_locks_the_session_and_wipes_once() {
    let (wiped_tx, wiped_rx) = mpsc::channel();
    let wiped_tx = Mutex::new(wiped_tx);
    let session = SignInState::new(
        Duration::from_secs(900),
        Arc::new(move |reason| wiped_tx.lock().unwrap().send(reason).unwrap()),
    );
    session.begin_sign_in().unwrap();
    let identity = Identity {
        subject: "910000000001".into(),
        user_uid: Some("910000000001".into()),
        name: None,
        role_id: "920000000101".into(),
        role_code: "S8000:G8000:R8000".into(),
        role_name: None,
        ods: Some("XTR01".into()),
    };
    session.complete_sign_in(identity, None).unwrap();

    let card_in = Arc::new(Mutex::new(true));
    let reader = VirtualReader {
        card_in: Arc::clone(&card_in),
    };
    let watch = CardWatch::start(Box::new(reader), &session, Duration::from_millis(20)).unwrap();
    assert!(matches!(session.state(), SignInStatus::SignedIn(_)));

    *card_in.lock().unwrap() = false;
    let reason = wiped_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(reason, EndReason::CardRemoved);
    assert_eq!(
        session.state(),
        SignInStatus::Locked(EndReason::CardRemoved)
    );
    assert!(session.tokens().is_none());
    watch.stop();
    assert!(wiped_rx.try_recv().is_err(), "wiped exactly once");

    // Reinserting the card does not unlock: a new sign-in is needed.
    *card_in.lock().unwrap() = true;
    assert_eq!(
        session.state(),
        SignInStatus::Locked(EndReason::CardRemoved)
    );
    session.begin_sign_in().unwrap();
}
