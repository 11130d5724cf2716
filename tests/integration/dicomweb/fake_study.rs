//! A synthetic study served the WADO-RS way by [`super::fake_server`], with switches for the
//! misbehaviours retrieval must survive: a series body cut mid-part, slow streaming, a
//! required bearer token, Accept values refused with 406, LF-only multipart line ends.

use std::collections::HashMap;
use std::time::Duration;

use nir_viewer::dicomweb::synthetic::SyntheticInstance;

use super::fake_server::{Reply, Request};

pub const BOUNDARY: &str = "fake-boundary-0123";

#[derive(Default, Clone)]
pub struct Behaviour {
    /// The body of one series request ends half way through a part (a connection lost
    /// mid-transfer), every time that series is asked for whole.
    pub cut_series: Option<SeriesCut>,
    /// Pause between 4 KiB chunks of instance bodies.
    pub slow: Option<Duration>,
    /// Pause between 256-byte chunks of single-instance answers only.
    pub slow_single: Option<Duration>,
    /// Bearer token the server requires.
    pub token: Option<String>,
    /// Answer 406 unless the Accept header equals this.
    pub accept_only: Option<&'static str>,
    /// Multipart with bare `\n` line ends.
    pub lf_only: bool,
    /// Series and study bodies in descending Instance Number (PS3.18 names no order for
    /// the parts of a series response).
    pub reverse_order: bool,
    /// Pause before answering the study's metadata (a server writing every instance's
    /// header first).
    pub slow_metadata: Option<Duration>,
}

/// Where a series request is cut.
#[derive(Clone, Copy)]
pub struct SeriesCut {
    /// The series (1-based, as in [`FakeStudy::new`]).
    pub series: usize,
    /// Whole parts before the cut (0: none arrives whole).
    pub after_parts: usize,
}

pub struct FakeStudy {
    pub study_uid: String,
    pub instances: Vec<SyntheticInstance>,
    /// Bytes served per SOP Instance UID (may differ from what the metadata announces).
    pub served: HashMap<String, Vec<u8>>,
    pub behaviour: Behaviour,
}

impl FakeStudy {
    /// A study of `series_sizes[i]` slices in series `i + 1`, 8×8 pixels each.
    pub fn new(nhs: &str, study_uid: &str, series_sizes: &[i32]) -> Self {
        let mut instances = Vec::new();
        for (index, size) in series_sizes.iter().enumerate() {
            for number in 1..=*size {
                instances.push(SyntheticInstance::slice(
                    nhs,
                    study_uid,
                    index as u32 + 1,
                    number,
                    8,
                ));
            }
        }
        let served = instances
            .iter()
            .map(|i| (i.sop_uid.clone(), i.to_part10().unwrap()))
            .collect();
        Self {
            study_uid: study_uid.into(),
            instances,
            served,
            behaviour: Behaviour::default(),
        }
    }

    /// Serves `altered` in place of the instance with the same SOP Instance UID.
    pub fn serve_instead(&mut self, altered: &SyntheticInstance) {
        self.served
            .insert(altered.sop_uid.clone(), altered.to_part10().unwrap());
    }

    pub fn metadata_path(&self) -> String {
        format!("w/studies/{}/metadata", self.study_uid)
    }

    fn metadata(&self) -> Vec<u8> {
        let objects: Vec<_> = self.instances.iter().map(|i| i.metadata_json()).collect();
        serde_json::to_vec(&objects).unwrap()
    }

    /// A QIDO-RS series search answer (PS3.18 10.6, series-level return attributes: Series Instance UID, Series
    /// Number, Modality and the number of instances of each series).
    fn series_search(&self) -> Vec<u8> {
        let mut series: Vec<&str> = Vec::new();
        for instance in &self.instances {
            if !series.contains(&instance.series_uid.as_str()) {
                series.push(&instance.series_uid);
            }
        }
        let objects: Vec<_> = series
            .iter()
            .map(|uid| {
                let count = self
                    .instances
                    .iter()
                    .filter(|i| i.series_uid == *uid)
                    .count();
                serde_json::json!({
                    "0020000E": {"vr": "UI", "Value": [uid]},
                    "00200011": {"vr": "IS", "Value": [1]},
                    "00080060": {"vr": "CS", "Value": ["CT"]},
                    "00201209": {"vr": "IS", "Value": [count]}
                })
            })
            .collect();
        serde_json::to_vec(&objects).unwrap()
    }

    fn multipart<'a>(&self, sops: impl Iterator<Item = &'a str>) -> Vec<u8> {
        let eol: &[u8] = if self.behaviour.lf_only {
            b"\n"
        } else {
            b"\r\n"
        };
        let mut body = b"preamble to ignore".to_vec();
        body.extend_from_slice(eol);
        for sop in sops {
            body.extend_from_slice(format!("--{BOUNDARY}").as_bytes());
            body.extend_from_slice(eol);
            body.extend_from_slice(
                b"Content-Type: application/dicom; transfer-syntax=1.2.840.10008.1.2.1",
            );
            body.extend_from_slice(eol);
            body.extend_from_slice(eol);
            body.extend_from_slice(&self.served[sop]);
            body.extend_from_slice(eol);
        }
        body.extend_from_slice(format!("--{BOUNDARY}--").as_bytes());
        body.extend_from_slice(eol);
        body
    }

    /// Answers one request the way a WADO-RS server would.
    pub fn route(&self, request: &Request) -> Reply {
        if let Some(token) = &self.behaviour.token {
            if request.header("authorization") != Some(&format!("Bearer {token}")) {
                return Reply::new(401, "application/json", b"{}".to_vec()).with_header(
                    "WWW-Authenticate",
                    r#"Bearer error="invalid_token", error_description="The access token expired""#,
                );
            }
        }
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let study_prefix = ["w", "studies", self.study_uid.as_str()];
        if segments.len() < 3 || segments[..3] != study_prefix {
            return Reply::new(404, "text/plain", b"no such study".to_vec());
        }
        let rest = &segments[3..];
        if rest == ["metadata"] {
            let mut reply = Reply::new(200, "application/dicom+json", self.metadata());
            reply.head_delay = self.behaviour.slow_metadata;
            return reply;
        }
        if rest == ["series"] {
            return Reply::new(200, "application/dicom+json", self.series_search());
        }
        if let Some(only) = self.behaviour.accept_only {
            if request.header("accept") != Some(only) {
                return Reply::new(406, "text/plain", Vec::new());
            }
        }
        let (sops, whole_series): (Vec<&str>, bool) = match rest {
            [] => (
                self.instances.iter().map(|i| i.sop_uid.as_str()).collect(),
                true,
            ),
            ["series", series] => (
                self.instances
                    .iter()
                    .filter(|i| i.series_uid == *series)
                    .map(|i| i.sop_uid.as_str())
                    .collect(),
                true,
            ),
            ["series", _, "instances", sop] if self.served.contains_key(*sop) => {
                (vec![*sop], false)
            }
            ["series", _, "instances", sop, "frames", list] if self.served.contains_key(*sop) => {
                return self.frames(sop, list);
            }
            _ => return Reply::new(404, "text/plain", Vec::new()),
        };
        let mut sops = sops;
        if whole_series && self.behaviour.reverse_order {
            sops.reverse();
        }
        let cut_here = |cut: &SeriesCut| matches!(rest, ["series", uid] if uid.ends_with(&format!(".{}", cut.series)));
        let cut = self.behaviour.cut_series.filter(cut_here).map(
            |SeriesCut {
                 after_parts: whole, ..
             }| {
                // Where part `whole` (0-based) starts, plus half of it.
                let before = self.multipart(sops.iter().take(whole).copied()).len();
                let closing = format!("--{BOUNDARY}--").len() + 2;
                let half = sops.get(whole).map_or(0, |sop| self.served[*sop].len() / 2);
                before - closing + half
            },
        );
        let mut body = self.multipart(sops.into_iter());
        if let Some(cut) = cut {
            body.truncate(cut);
        }
        let content_type =
            format!("multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}");
        let mut reply = Reply::new(200, &content_type, body);
        if let Some(delay) = self.behaviour.slow {
            reply.chunk_delay = Some(delay);
            reply.chunk_size = 4096;
        }
        if let (Some(delay), false) = (self.behaviour.slow_single, whole_series) {
            reply.chunk_delay = Some(delay);
            reply.chunk_size = 256;
        }
        reply
    }

    /// Native frames: this fake's slices have one frame, so frame 1 is the pixel data.
    fn frames(&self, sop: &str, list: &str) -> Reply {
        let instance = self.instances.iter().find(|i| i.sop_uid == sop).unwrap();
        let bytes = self.served[sop].clone();
        let pixels = bytes[bytes.len() - usize::from(instance.size).pow(2) * 2..].to_vec();
        let mut body = Vec::new();
        for frame in list.split(',') {
            if frame != "1" {
                return Reply::new(404, "text/plain", Vec::new());
            }
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(&pixels);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        Reply::new(
            200,
            &format!(
                "multipart/related; type=\"application/octet-stream\"; boundary=\"{BOUNDARY}\""
            ),
            body,
        )
    }
}
