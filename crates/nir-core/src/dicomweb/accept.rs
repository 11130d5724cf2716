//! Which `Accept` header to send for instance retrieval. Servers differ: some want the
//! transfer syntax spelled out, some choke on a quoted `type`, some only know plain
//! `application/dicom`. The client walks an ordered fallback list, moving on after a 406 or
//! 415, and remembers per server (origin) the first entry that worked so later requests
//! start there.

use std::collections::HashMap;
use std::sync::Mutex;

/// Explicit VR Little Endian: the syntax every WADO-RS server must be able to produce.
pub const EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1";

/// Accept values in the order they are tried for instances, series and studies.
pub const INSTANCE_ACCEPT_FALLBACK: &[&str] = &[
    r#"multipart/related; type="application/dicom"; transfer-syntax=*"#,
    r#"multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1"#,
    r#"multipart/related; type="application/dicom""#,
    "multipart/related; type=application/dicom; transfer-syntax=*",
    "multipart/related; type=application/dicom",
    "application/dicom",
];

/// Accept values for frames (native, uncompressed).
pub const FRAME_ACCEPT_FALLBACK: &[&str] = &[
    r#"multipart/related; type="application/octet-stream"; transfer-syntax=*"#,
    r#"multipart/related; type="application/octet-stream""#,
    "multipart/related; type=application/octet-stream",
];

/// Which fallback list a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AcceptList {
    /// Part-10 instances ([`INSTANCE_ACCEPT_FALLBACK`]).
    Instances,
    /// Native frames ([`FRAME_ACCEPT_FALLBACK`]).
    Frames,
}

impl AcceptList {
    /// The values of this list, in the order they are tried.
    pub fn values(self) -> &'static [&'static str] {
        match self {
            AcceptList::Instances => INSTANCE_ACCEPT_FALLBACK,
            AcceptList::Frames => FRAME_ACCEPT_FALLBACK,
        }
    }
}

/// Remembers, per origin and per list, which entry of a fallback list to start with.
#[derive(Debug, Default)]
pub struct AcceptMemory {
    chosen: Mutex<HashMap<(String, AcceptList), usize>>,
}

impl AcceptMemory {
    /// A memory that knows no server yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Index into `list` to try first for this origin.
    pub fn first(&self, origin: &str, list: AcceptList) -> usize {
        let key = (origin.to_string(), list);
        self.chosen
            .lock()
            .map(|chosen| chosen.get(&key).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Records that `index` was refused (406/415) and returns the next index to try, if any.
    pub fn refused(&self, origin: &str, list: AcceptList, index: usize) -> Option<usize> {
        let next = index + 1;
        if next >= list.values().len() {
            return None;
        }
        let key = (origin.to_string(), list);
        if let Ok(mut chosen) = self.chosen.lock() {
            let entry = chosen.entry(key).or_insert(0);
            *entry = (*entry).max(next);
        }
        Some(next)
    }
}

/// The origin of a URL as the memory's key (scheme, host, port).
pub fn origin_of(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_transfer_syntax_star_and_ends_with_plain_dicom() {
        assert!(INSTANCE_ACCEPT_FALLBACK[0].ends_with("transfer-syntax=*"));
        assert_eq!(INSTANCE_ACCEPT_FALLBACK.last(), Some(&"application/dicom"));
        for value in INSTANCE_ACCEPT_FALLBACK {
            assert!(super::super::MediaType::parse(value).is_some(), "{value}");
        }
    }

    #[test]
    fn remembers_the_fallback_per_origin() {
        let memory = AcceptMemory::new();
        let a = "http://127.0.0.1:8042";
        let b = "http://127.0.0.1:9000";
        assert_eq!(memory.first(a, AcceptList::Instances), 0);
        assert_eq!(memory.refused(a, AcceptList::Instances, 0), Some(1));
        assert_eq!(memory.refused(a, AcceptList::Instances, 1), Some(2));
        assert_eq!(memory.first(a, AcceptList::Instances), 2);
        assert_eq!(memory.first(b, AcceptList::Instances), 0);
        assert_eq!(memory.first(a, AcceptList::Frames), 0);
        let last = INSTANCE_ACCEPT_FALLBACK.len() - 1;
        assert_eq!(memory.refused(a, AcceptList::Instances, last), None);
    }

    #[test]
    fn origin_ignores_the_path() {
        let url = url::Url::parse("http://127.0.0.1:8042/dicom-web/studies/1.2/metadata").unwrap();
        assert_eq!(origin_of(&url), "http://127.0.0.1:8042");
    }
}
