//! A scripted loopback HTTP server for failures the sandbox does not produce (gateway
//! errors, malformed and oversized bodies): it answers the n-th request with the n-th
//! scripted response (the last one repeats), records each request's head, serves a
//! bounded number of connections, and stops when dropped.

use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

pub struct FakeGateway {
    pub url: url::Url,
    pub requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A raw HTTP response with a body and `Connection: close`.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    head += "\r\n";
    [head.as_bytes(), body].concat()
}

impl FakeGateway {
    pub async fn start(script: Vec<Vec<u8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            for index in 0..64 {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let request = crate::support::read_http_request(&mut socket).await;
                let head = String::from_utf8_lossy(&request)
                    .split("\r\n\r\n")
                    .next()
                    .unwrap_or("")
                    .to_string();
                seen.lock().unwrap().push(head);
                let reply = script
                    .get(index)
                    .or(script.last())
                    .cloned()
                    .unwrap_or_default();
                let _ = socket.write_all(&reply).await;
                let _ = socket.shutdown().await;
            }
        });
        Self {
            url,
            requests,
            task,
        }
    }

    pub fn hits(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}
