//! A tiny HTTP/1.1 server on 127.0.0.1 for DICOMweb client tests: each connection gets one
//! answer from a handler, written in chunks (optionally slowly) and closed, so bodies end at
//! connection close and can be cut anywhere. Stopped when dropped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the client sent.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// How many other answers were still being written when this request arrived.
    pub answers_streaming: usize,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What the server answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Pause between chunks of `chunk_size` bytes.
    pub chunk_delay: Option<Duration>,
    /// Pause before the status line (a server slow to start its answer).
    pub head_delay: Option<Duration>,
    pub chunk_size: usize,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            chunk_delay: None,
            head_delay: None,
            chunk_size: 16 * 1024,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct FakeServer {
    pub base: url::Url,
    pub requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        let streaming = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let recorded = recorded.clone();
                let streaming = streaming.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, handler, recorded, streaming).await;
                });
            }
        });
        Self {
            base: url::Url::parse(&format!("http://{address}/")).unwrap(),
            requests,
            task,
        }
    }

    pub fn url(&self, path: &str) -> url::Url {
        self.base.join(path).unwrap()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut socket: tokio::net::TcpStream,
    handler: Arc<Handler>,
    recorded: Arc<Mutex<Vec<Request>>>,
    streaming: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buffer))
            .await
            .map_err(|_| std::io::Error::other("request head timed out"))??;
        if read == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let mut lines = text.split("\r\n");
    let target = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or("/")
        .to_string();
    let path = target
        .split_once('?')
        .map_or(target.as_str(), |(path, _)| path);
    let headers = lines
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    let request = Request {
        path: path.to_string(),
        headers,
        answers_streaming: streaming.load(Ordering::SeqCst),
    };
    recorded.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    let mut response = format!("HTTP/1.1 {} Fake\r\n", reply.status);
    for (name, value) in &reply.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("Cache-Control: no-store\r\nConnection: close\r\n\r\n");
    streaming.fetch_add(1, Ordering::SeqCst);
    let written = write_reply(&mut socket, &response, &reply).await;
    streaming.fetch_sub(1, Ordering::SeqCst);
    written?;
    socket.shutdown().await
}

async fn write_reply(
    socket: &mut tokio::net::TcpStream,
    head: &str,
    reply: &Reply,
) -> std::io::Result<()> {
    if let Some(delay) = reply.head_delay {
        tokio::time::sleep(delay).await;
    }
    socket.write_all(head.as_bytes()).await?;
    for chunk in reply.body.chunks(reply.chunk_size.max(1)) {
        if let Some(delay) = reply.chunk_delay {
            tokio::time::sleep(delay).await;
        }
        socket.write_all(chunk).await?;
    }
    Ok(())
}
