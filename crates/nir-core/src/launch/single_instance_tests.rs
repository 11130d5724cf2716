use super::*;
use std::collections::VecDeque;
use std::sync::Mutex;

const LINK: &str = "nir-viewer://open?nhs=9912003888";

/// A fresh parent directory; the instance directory inside it does not exist yet.
fn temp_socket() -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("nir-viewer-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    (dir.join("run").join("instance.sock"), dir)
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

async fn listen(socket: &Path) -> LaunchListener {
    match hand_off_or_listen(socket, None).await.unwrap() {
        InstanceRole::Primary(listener) => listener,
        InstanceRole::HandedOff => panic!("the first launch must listen"),
    }
}

/// Whether the listener receives anything within a short while.
async fn receives(listener: &LaunchListener) -> Option<String> {
    tokio::time::timeout(Duration::from_millis(500), listener.next_link())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn the_second_launch_hands_its_link_to_the_first() {
    let (socket, dir) = temp_socket();
    let listener = listen(&socket).await;
    assert_eq!(mode_of(&socket), 0o600);
    assert_eq!(mode_of(socket.parent().unwrap()), 0o700);
    let second = hand_off_or_listen(&socket, Some(LINK)).await.unwrap();
    assert!(matches!(second, InstanceRole::HandedOff));
    let received = tokio::time::timeout(Duration::from_secs(5), listener.next_link())
        .await
        .unwrap();
    assert_eq!(received.as_deref(), Some(LINK));
    drop(listener);
    assert!(
        !socket.exists(),
        "the socket is removed when the viewer exits"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_stale_socket_is_replaced() {
    let (socket, dir) = temp_socket();
    ensure_private_dir(socket.parent().unwrap(), effective_uid()).unwrap();
    std::fs::write(&socket, b"").unwrap();
    let role = hand_off_or_listen(&socket, None).await.unwrap();
    assert!(matches!(role, InstanceRole::Primary(_)));
    drop(role);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn without_a_runtime_directory_the_socket_goes_to_a_per_user_temporary_directory() {
    let temp = Path::new("/var/tmp-test");
    assert_eq!(
        socket_path_for(None, temp, 1000),
        temp.join("nir-viewer-1000/instance.sock")
    );
    assert_eq!(
        socket_path_for(Some("relative/run".into()), temp, 1000),
        temp.join("nir-viewer-1000/instance.sock"),
        "a relative XDG_RUNTIME_DIR is ignored"
    );
    let runtime = std::env::temp_dir();
    assert_eq!(
        socket_path_for(Some(runtime.clone().into()), temp, 7),
        runtime.join("nir-viewer-7/instance.sock")
    );
}

#[tokio::test]
async fn a_directory_made_by_someone_else_or_open_to_others_is_refused() {
    let (socket, dir) = temp_socket();
    let instance_dir = socket.parent().unwrap();
    // Left open to others (as another user could have made it before us in /tmp).
    std::fs::create_dir(instance_dir).unwrap();
    chmod(instance_dir, 0o777);
    let open = hand_off_or_listen(&socket, None).await.unwrap_err();
    assert!(open.to_string().contains("open to other users"), "{open}");
    assert!(!socket.exists(), "nothing is created in it");
    // Private, but not owned by the user that runs the viewer.
    chmod(instance_dir, 0o700);
    let foreign = hand_off_or_listen_as(&socket, None, effective_uid() + 1)
        .await
        .unwrap_err();
    assert!(foreign.to_string().contains("another user"), "{foreign}");
    // A link in place of the directory, even to a private directory of ours.
    std::fs::remove_dir(instance_dir).unwrap();
    let real = dir.join("real");
    std::fs::create_dir(&real).unwrap();
    chmod(&real, 0o700);
    std::os::unix::fs::symlink(&real, instance_dir).unwrap();
    let linked = hand_off_or_listen(&socket, None).await.unwrap_err();
    assert!(linked.to_string().contains("not a directory"), "{linked}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn owner_and_mode_are_checked_before_connecting() {
    let (socket, dir) = temp_socket();
    let listener = listen(&socket).await;
    // The directory opened up after the listener started: no link is sent.
    let instance_dir = socket.parent().unwrap();
    chmod(instance_dir, 0o755);
    assert!(hand_off_or_listen(&socket, Some(LINK)).await.is_err());
    assert_eq!(receives(&listener).await, None, "nothing was handed over");
    chmod(instance_dir, 0o700);
    // A socket others may connect to is refused the same way.
    chmod(&socket, 0o666);
    let open = hand_off_or_listen(&socket, Some(LINK)).await.unwrap_err();
    assert!(open.to_string().contains("socket is open"), "{open}");
    assert_eq!(receives(&listener).await, None, "nothing was handed over");
    drop(listener);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_launch_sends_only_to_a_listener_of_its_own_user() {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let error = send_link(ours, LINK, effective_uid() + 1)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("another user"), "{error}");
    let mut received = String::new();
    BufReader::new(theirs)
        .read_line(&mut received)
        .await
        .unwrap();
    assert_eq!(received, "", "nothing was written");

    let (ours, theirs) = UnixStream::pair().unwrap();
    send_link(ours, LINK, effective_uid()).await.unwrap();
    let mut received = String::new();
    BufReader::new(theirs)
        .read_line(&mut received)
        .await
        .unwrap();
    assert_eq!(received.trim_end(), LINK);
}

/// Hands out scripted `accept` results, then waits for ever.
struct Scripted(Mutex<VecDeque<io::Result<UnixStream>>>);

impl Scripted {
    fn new(results: Vec<io::Result<UnixStream>>) -> Self {
        Self(Mutex::new(results.into()))
    }
}

impl Acceptor for Scripted {
    async fn accept_stream(&self) -> io::Result<UnixStream> {
        let next = self.0.lock().unwrap().pop_front();
        match next {
            Some(result) => result,
            None => std::future::pending().await,
        }
    }
}

async fn sender_of(link: &str) -> UnixStream {
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    theirs
        .write_all(format!("{link}\n").as_bytes())
        .await
        .unwrap();
    theirs.shutdown().await.unwrap();
    ours
}

#[tokio::test]
async fn accept_errors_do_not_end_the_hand_off_loop() {
    let failure = || Err(io::Error::other("too many open files"));
    let scripted = Scripted::new(vec![
        failure(),
        failure(),
        failure(),
        Ok(sender_of(LINK).await),
    ]);
    let link = tokio::time::timeout(
        Duration::from_secs(5),
        next_link_from(&scripted, effective_uid()),
    )
    .await
    .expect("the loop keeps accepting after errors");
    assert_eq!(link, LINK);
}

#[tokio::test]
async fn the_listener_ignores_peers_of_another_user() {
    let scripted = Scripted::new(vec![Ok(sender_of(LINK).await)]);
    let from_other_user = tokio::time::timeout(
        Duration::from_millis(500),
        next_link_from(&scripted, effective_uid() + 1),
    )
    .await;
    assert!(from_other_user.is_err(), "the link was not read");
    let scripted = Scripted::new(vec![Ok(sender_of(LINK).await)]);
    let from_us = tokio::time::timeout(
        Duration::from_secs(5),
        next_link_from(&scripted, effective_uid()),
    )
    .await
    .unwrap();
    assert_eq!(from_us, LINK);
}
