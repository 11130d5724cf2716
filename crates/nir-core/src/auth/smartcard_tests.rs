//! Card watch tests with a PC/SC test double driven through a channel.

use super::*;
use crate::auth::id_token::Identity;
use crate::auth::sign_in_state::{SignInStatus, WipeCallback};
use std::sync::mpsc;

/// A reader double: holds a card until the test sends `false`.
struct ScriptedReaders {
    inserted: Vec<String>,
    events: mpsc::Receiver<bool>,
}

impl CardReaders for ScriptedReaders {
    fn readers_with_card(&mut self) -> Result<Vec<String>, SmartcardError> {
        Ok(self.inserted.clone())
    }
    fn card_present_after_wait(
        &mut self,
        _reader: &str,
        timeout: Duration,
    ) -> Result<bool, SmartcardError> {
        match self.events.recv_timeout(timeout) {
            Ok(present) => Ok(present),
            Err(mpsc::RecvTimeoutError::Timeout) => Ok(true),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(SmartcardError::Pcsc {
                operation: "test",
                reason: "reader unplugged".into(),
            }),
        }
    }
}

fn signed_in_session() -> (Arc<SignInState>, mpsc::Receiver<EndReason>) {
    let (wiped_tx, wiped_rx) = mpsc::channel();
    let wiped_tx = std::sync::Mutex::new(wiped_tx);
    let wipe: WipeCallback = Arc::new(move |reason| {
        wiped_tx.lock().unwrap().send(reason).unwrap();
    });
    let session = SignInState::new(Duration::from_secs(900), wipe);
    session.begin_sign_in().unwrap();
    let identity = Identity {
        subject: "555000000001".into(),
        user_uid: None,
        name: None,
        role_id: "900000000101".into(),
        role_code: "R8000".into(),
        role_name: None,
        ods: None,
    };
    session.complete_sign_in(identity, None).unwrap();
    (session, wiped_rx)
}

#[test]
fn removing_the_card_locks_and_wipes() {
    let (session, wiped) = signed_in_session();
    let (card_tx, card_rx) = mpsc::channel();
    let readers = ScriptedReaders {
        inserted: vec!["Virtual Reader 0".into()],
        events: card_rx,
    };
    let watch = CardWatch::start(Box::new(readers), &session, Duration::from_millis(20)).unwrap();
    card_tx.send(true).unwrap();
    card_tx.send(false).unwrap();
    let reason = wiped.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(reason, EndReason::CardRemoved);
    assert_eq!(
        session.state(),
        SignInStatus::Locked(EndReason::CardRemoved)
    );
    watch.stop();
}

#[test]
fn an_unplugged_reader_counts_as_removal() {
    let (session, wiped) = signed_in_session();
    let (card_tx, card_rx) = mpsc::channel::<bool>();
    let readers = ScriptedReaders {
        inserted: vec!["Reader".into()],
        events: card_rx,
    };
    let _watch = CardWatch::start(Box::new(readers), &session, Duration::from_millis(20)).unwrap();
    drop(card_tx);
    assert_eq!(
        wiped.recv_timeout(Duration::from_secs(30)).unwrap(),
        EndReason::CardRemoved
    );
}

#[test]
fn no_card_means_no_watch_and_stopping_leaves_the_session_alone() {
    let (session, wiped) = signed_in_session();
    let (_card_tx, card_rx) = mpsc::channel();
    let empty = ScriptedReaders {
        inserted: vec![],
        events: card_rx,
    };
    assert!(matches!(
        CardWatch::start(Box::new(empty), &session, Duration::from_millis(20)),
        Err(SmartcardError::NoCard)
    ));
    let (_card_tx, card_rx) = mpsc::channel();
    let readers = ScriptedReaders {
        inserted: vec!["Reader".into()],
        events: card_rx,
    };
    let watch = CardWatch::start(Box::new(readers), &session, Duration::from_millis(20)).unwrap();
    watch.stop();
    assert!(matches!(session.state(), SignInStatus::SignedIn(_)));
    assert!(wiped.try_recv().is_err());
}
