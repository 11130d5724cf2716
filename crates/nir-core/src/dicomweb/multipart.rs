//! A streaming `multipart/related` parser (RFC 2046 / RFC 2387) for WADO-RS responses. It is
//! pure: bytes go in through [`MultipartParser::push`] in whatever chunks the network
//! delivers, complete parts come out, and [`MultipartParser::finish`] says whether the body
//! ended properly. It copes with what real servers send: parts without `Content-Length`,
//! LF-only line ends, a preamble and an epilogue, and bytes inside binary data that look
//! like the boundary but are not followed by what a delimiter must be followed by. Part
//! bodies are held in zeroising buffers because they are clinical data, and grow with the
//! bytes that arrive, whatever a part's `Content-Length` header claims.

use memchr::memmem::Finder;
use zeroize::Zeroizing;

use super::media_type::MediaType;
use super::zeroizing_vec;

/// Longest header block accepted for one part.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest boundary RFC 2046 allows.
const MAX_BOUNDARY_LEN: usize = 70;

/// Why a multipart body could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    /// The response's `Content-Type` is not multipart or has no usable boundary.
    #[error("the response content type is not multipart with a boundary: {0}")]
    NotMultipart(String),
    /// A part's headers are longer than any sensible server sends.
    #[error("the headers of part {part} are longer than {MAX_HEADER_BYTES} bytes")]
    HeadersTooLong {
        /// Zero-based index of the part.
        part: usize,
    },
    /// A part's header line is not `Name: value`.
    #[error("part {part} has a malformed header line")]
    MalformedHeader {
        /// Zero-based index of the part.
        part: usize,
    },
    /// The body ended before the closing delimiter.
    #[error("the multipart body ended early after {complete_parts} complete parts{}",
        if *.inside_part { " (in the middle of a part)" } else { "" })]
    Truncated {
        /// Parts received in full.
        complete_parts: usize,
        /// Whether the end fell inside a part.
        inside_part: bool,
    },
}

/// One part of the body: its headers and its content.
pub struct Part {
    /// Header names lower-cased, values trimmed, in order.
    pub headers: Vec<(String, String)>,
    /// The content, zeroised when dropped.
    pub body: Zeroizing<Vec<u8>>,
}

impl Part {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The part's parsed `Content-Type`, if any.
    pub fn content_type(&self) -> Option<MediaType> {
        self.header("content-type").and_then(MediaType::parse)
    }
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part")
            .field("headers", &self.headers.len())
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preamble,
    AfterDelimiter,
    Headers,
    Body,
    Epilogue,
}

/// Incremental parser for one multipart body.
pub struct MultipartParser {
    /// `\n--boundary`: a delimiter always starts a line.
    finder: Finder<'static>,
    needle_len: usize,
    dash_boundary: Vec<u8>,
    state: State,
    /// Whether `pending` still starts at the first byte of the body.
    at_body_start: bool,
    /// Unconsumed input.
    pending: Zeroizing<Vec<u8>>,
    headers: Vec<(String, String)>,
    body: Zeroizing<Vec<u8>>,
    /// The current part's declared `Content-Length`, a hint only.
    declared: Option<u64>,
    parts_done: usize,
}

impl MultipartParser {
    /// A parser for the given boundary (without the leading `--`).
    pub fn new(boundary: &str) -> Result<Self, MultipartError> {
        if boundary.is_empty() || boundary.len() > MAX_BOUNDARY_LEN + 30 {
            return Err(MultipartError::NotMultipart(format!(
                "boundary of {} characters",
                boundary.len()
            )));
        }
        let dash_boundary = [b"--", boundary.as_bytes()].concat();
        let needle = [b"\n", dash_boundary.as_slice()].concat();
        Ok(Self {
            needle_len: needle.len(),
            finder: Finder::new(&needle).into_owned(),
            dash_boundary,
            state: State::Preamble,
            at_body_start: true,
            pending: Zeroizing::new(Vec::new()),
            headers: Vec::new(),
            body: Zeroizing::new(Vec::new()),
            declared: None,
            parts_done: 0,
        })
    }

    /// A parser for a response with this `Content-Type` (must be `multipart/*` with a boundary).
    pub fn for_content_type(content_type: &str) -> Result<Self, MultipartError> {
        let media = MediaType::parse(content_type)
            .filter(|media| media.essence.starts_with("multipart/"))
            .ok_or_else(|| MultipartError::NotMultipart(content_type.to_string()))?;
        let boundary = media
            .parameter("boundary")
            .ok_or_else(|| MultipartError::NotMultipart(content_type.to_string()))?;
        Self::new(boundary)
    }

    /// Number of parts completed so far.
    pub fn parts_done(&self) -> usize {
        self.parts_done
    }

    /// Feeds the next chunk and returns the parts it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Part>, MultipartError> {
        if self.state == State::Epilogue {
            return Ok(Vec::new());
        }
        let chunk = self.take_plain_body(chunk);
        zeroizing_vec::append(&mut self.pending, chunk);
        let mut parts = Vec::new();
        loop {
            let progressed = match self.state {
                State::Preamble => self.skip_preamble(),
                State::AfterDelimiter => self.after_delimiter(),
                State::Headers => self.read_headers()?,
                State::Body => self.read_body(&mut parts),
                State::Epilogue => {
                    self.pending.clear();
                    false
                }
            };
            if !progressed {
                return Ok(parts);
            }
        }
    }

    /// Inside a part's body, moves the bytes of `chunk` that cannot belong to a delimiter
    /// straight into the part's buffer (with what `pending` held before them), so most body
    /// bytes are copied once instead of passing through `pending`; returns the rest of
    /// `chunk`, for the general path. Whenever a delimiter might start in `pending` or
    /// before the last byte kept, nothing is taken and the general path sees it all.
    fn take_plain_body<'c>(&mut self, chunk: &'c [u8]) -> &'c [u8] {
        if self.state != State::Body || self.pending.len() > self.needle_len + 1 {
            return chunk;
        }
        let needle = self.finder.needle();
        // A delimiter starting in `pending` (at most a needle's length) and running on into
        // `chunk`, or already whole there and waiting for its tail.
        let starts_in_pending = (0..self.pending.len()).any(|start| {
            let held = &self.pending[start..];
            let overlap = held.len().min(needle.len());
            let rest = (needle.len() - overlap).min(chunk.len());
            held[..overlap] == needle[..overlap] && chunk[..rest] == needle[overlap..overlap + rest]
        });
        if starts_in_pending {
            return chunk;
        }
        // Keep the byte before a delimiter in the chunk (a possible `\r` of its line end),
        // or, with none, enough of the end for one split across chunks and its `\r`.
        let plain = match self.finder.find(chunk) {
            Some(at) => at.saturating_sub(1),
            None => chunk.len().saturating_sub(self.needle_len + 1),
        };
        if plain == 0 {
            return chunk;
        }
        zeroizing_vec::append_toward(&mut self.body, &self.pending, self.declared);
        self.pending.clear();
        self.at_body_start = false;
        zeroizing_vec::append_toward(&mut self.body, &chunk[..plain], self.declared);
        &chunk[plain..]
    }

    /// Declares the end of input: an error unless the closing delimiter was seen.
    pub fn finish(self) -> Result<(), MultipartError> {
        match self.state {
            State::Epilogue => Ok(()),
            state => Err(MultipartError::Truncated {
                complete_parts: self.parts_done,
                inside_part: matches!(state, State::Headers | State::Body),
            }),
        }
    }

    /// Looks for a valid delimiter in `pending`: `Ok(position of its \n)`, or `Err(())`
    /// when more input is needed to decide, or `None` when there is none.
    fn find_delimiter(&mut self) -> Option<Result<usize, ()>> {
        let mut from = 0;
        while let Some(offset) = self.finder.find(&self.pending[from..]) {
            let at = from + offset;
            match delimiter_tail(&self.pending[at + self.needle_len..]) {
                Tail::Valid => return Some(Ok(at)),
                Tail::NeedMore => return Some(Err(())),
                Tail::Invalid => from = at + 1,
            }
        }
        None
    }

    fn skip_preamble(&mut self) -> bool {
        if self.at_body_start {
            if let Some(decided) = self.delimiter_at_body_start() {
                return decided;
            }
        }
        match self.find_delimiter() {
            Some(Ok(at)) => {
                self.consume(at + self.needle_len);
                self.state = State::AfterDelimiter;
                true
            }
            Some(Err(())) => false,
            None => {
                let keep = self.needle_len.min(self.pending.len());
                let drop = self.pending.len() - keep;
                self.consume(drop);
                false
            }
        }
    }

    /// The first delimiter may open the body without a line end before it. `Some(progress)`
    /// when that decides the step, `None` to go on searching.
    fn delimiter_at_body_start(&mut self) -> Option<bool> {
        if self.pending.len() < self.dash_boundary.len() {
            return self
                .dash_boundary
                .starts_with(&self.pending)
                .then_some(false);
        }
        if !self.pending.starts_with(&self.dash_boundary) {
            return None;
        }
        match delimiter_tail(&self.pending[self.dash_boundary.len()..]) {
            Tail::Valid => {
                self.consume(self.dash_boundary.len());
                self.state = State::AfterDelimiter;
                Some(true)
            }
            Tail::NeedMore => Some(false),
            Tail::Invalid => None,
        }
    }

    /// After `--boundary`: either `--` (the end) or padding and a line end (a part follows).
    fn after_delimiter(&mut self) -> bool {
        if self.pending.starts_with(b"--") {
            self.state = State::Epilogue;
            self.pending.clear();
            return true;
        }
        let Some(newline) = memchr::memchr(b'\n', &self.pending) else {
            return false;
        };
        self.consume(newline + 1);
        self.headers.clear();
        self.state = State::Headers;
        true
    }

    fn read_headers(&mut self) -> Result<bool, MultipartError> {
        let part = self.parts_done;
        let Some(newline) = memchr::memchr(b'\n', &self.pending) else {
            if self.pending.len() > MAX_HEADER_BYTES {
                return Err(MultipartError::HeadersTooLong { part });
            }
            return Ok(false);
        };
        let line = &self.pending[..newline];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            self.consume(newline + 1);
            // A part's `Content-Length` is a claim: it reserves a few MiB at most, and the
            // body grows with the bytes that arrive.
            self.declared = self
                .headers
                .iter()
                .find(|(name, _)| name == "content-length")
                .and_then(|(_, value)| value.parse::<u64>().ok());
            self.body = zeroizing_vec::for_declared_length(self.declared);
            self.state = State::Body;
            return Ok(true);
        }
        let text =
            std::str::from_utf8(line).map_err(|_| MultipartError::MalformedHeader { part })?;
        if text.starts_with([' ', '\t']) {
            let (_, value) = self
                .headers
                .last_mut()
                .ok_or(MultipartError::MalformedHeader { part })?;
            value.push(' ');
            value.push_str(text.trim());
        } else {
            let (name, value) = text
                .split_once(':')
                .ok_or(MultipartError::MalformedHeader { part })?;
            self.headers
                .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        let total: usize = self.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
        if total > MAX_HEADER_BYTES {
            return Err(MultipartError::HeadersTooLong { part });
        }
        self.consume(newline + 1);
        Ok(true)
    }

    fn read_body(&mut self, parts: &mut Vec<Part>) -> bool {
        match self.find_delimiter() {
            Some(Ok(at)) => {
                let end = if at > 0 && self.pending[at - 1] == b'\r' {
                    at - 1
                } else {
                    at
                };
                zeroizing_vec::append_toward(&mut self.body, &self.pending[..end], self.declared);
                self.consume(at + self.needle_len);
                parts.push(Part {
                    headers: std::mem::take(&mut self.headers),
                    body: std::mem::replace(&mut self.body, Zeroizing::new(Vec::new())),
                });
                self.parts_done += 1;
                self.state = State::AfterDelimiter;
                true
            }
            Some(Err(())) => false,
            None => {
                // Keep enough to hold a delimiter split across chunks plus the `\r` before it.
                let keep = (self.needle_len + 1).min(self.pending.len());
                let move_len = self.pending.len() - keep;
                if move_len > 0 {
                    zeroizing_vec::append_toward(
                        &mut self.body,
                        &self.pending[..move_len],
                        self.declared,
                    );
                    self.consume(move_len);
                }
                false
            }
        }
    }

    fn consume(&mut self, count: usize) {
        if count > 0 {
            self.at_body_start = false;
        }
        self.pending.drain(..count);
    }
}

enum Tail {
    Valid,
    NeedMore,
    Invalid,
}

/// What follows `--boundary` in a real delimiter: `--`, or optional spaces/tabs and a line end.
fn delimiter_tail(after: &[u8]) -> Tail {
    let mut index = 0;
    if after.first() == Some(&b'-') {
        return match after.get(1) {
            Some(b'-') => Tail::Valid,
            Some(_) => Tail::Invalid,
            None => Tail::NeedMore,
        };
    }
    while let Some(&byte) = after.get(index) {
        match byte {
            b' ' | b'\t' => index += 1,
            b'\n' => return Tail::Valid,
            b'\r' => {
                return match after.get(index + 1) {
                    Some(b'\n') => Tail::Valid,
                    Some(_) => Tail::Invalid,
                    None => Tail::NeedMore,
                }
            }
            _ => return Tail::Invalid,
        }
        if index > 64 {
            return Tail::Invalid;
        }
    }
    Tail::NeedMore
}

#[cfg(test)]
#[path = "multipart_tests.rs"]
mod tests;
