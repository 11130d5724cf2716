//! The runtime study retrievals run on: one thread of its own, driving a current-thread
//! tokio runtime. A WADO-RS response arrives as thousands of small chunks, each handed from
//! the task that reads the socket (the HTTP connection's task) to the task that parses the
//! multipart body. On the application's multi-threaded runtime every hand-off can wake
//! another thread, and those wake-ups cost several times the transfer itself: a 200 MB study
//! took 4–5× as long as curl on loopback, against about 1.0× with both tasks on one thread
//! (docs/benchmarks.md, "Retrieval"). Verification still runs on this runtime's blocking
//! pool, beside the transfer. If the thread or its runtime cannot be made, retrievals run on
//! the caller's runtime as before.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Handle};
use tokio::task::JoinHandle;

/// The transfer runtime's handle, made on first use; `None` if it could not be made.
fn handle() -> Option<&'static Handle> {
    static HANDLE: OnceLock<Option<Handle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let runtime = Builder::new_current_thread()
                .enable_all()
                .thread_name("nir-transfer-blocking")
                .build()
                .ok()?;
            let handle = runtime.handle().clone();
            std::thread::Builder::new()
                .name("nir-transfer".into())
                // Runs for the life of the process: the runtime drives whatever is spawned.
                .spawn(move || runtime.block_on(std::future::pending::<()>()))
                .ok()?;
            Some(handle)
        })
        .as_ref()
}

/// Runs `task` on the transfer runtime (or, failing that, on the current one).
pub fn spawn_transfer<F>(task: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match handle() {
        Some(handle) => handle.spawn(task),
        None => tokio::spawn(task),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_runs_on_the_transfer_thread_and_its_result_comes_back() {
        let name = spawn_transfer(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("nir-transfer"));
    }
}
