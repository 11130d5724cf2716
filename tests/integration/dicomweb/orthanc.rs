//! The client against a real DICOMweb server: Orthanc with its DICOMweb plugin (Debian's
//! `orthanc` and `orthanc-dicomweb`), started on 127.0.0.1 with a throwaway configuration
//! and storage in a temporary directory, fed the shared corpus over STOW-RS, then every
//! study retrieved with our client and compared byte for byte. The guard kills Orthanc and
//! removes its directory even when an assertion fails.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nir_viewer::dicomweb::{DicomWebClient, StudyQuery};
use nir_viewer::net::{build_client, NetworkSettings, NoToken};
use tokio_util::sync::CancellationToken;

use crate::support::dicomweb_bulk::{every_instance, stow};

/// A running Orthanc; dropping it stops the process and deletes its storage.
pub struct Orthanc {
    child: Child,
    dir: PathBuf,
    pub base: url::Url,
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where Debian installed the DICOMweb plugin.
fn dicomweb_plugin() -> PathBuf {
    let output = Command::new("dpkg")
        .args(["-L", "orthanc-dicomweb"])
        .output()
        .expect("dpkg runs");
    let listing = String::from_utf8_lossy(&output.stdout);
    let plugin = listing
        .lines()
        .filter(|line| line.contains("OrthancDicomWeb.so"))
        .min_by_key(|line| !line.starts_with("/usr/share/orthanc/plugins"))
        .map(PathBuf::from);
    plugin.expect("orthanc-dicomweb is not installed: run `make deps-test`")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Orthanc {
    /// Starts Orthanc and waits (bounded) until its REST API answers.
    pub async fn start() -> Self {
        let plugin = dicomweb_plugin();
        let dir = std::env::temp_dir().join(format!("nir-orthanc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let config = serde_json::json!({
            "Name": "nir-viewer-test",
            "StorageDirectory": dir.join("storage"),
            "IndexDirectory": dir.join("index"),
            "HttpPort": port,
            "DicomServerEnabled": false,
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": false,
            "OverwriteInstances": false,
            "Plugins": [plugin],
            "DicomWeb": { "Enable": true, "Root": "/dicom-web/" }
        });
        let config_path = dir.join("config.json");
        std::fs::write(&config_path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let log = std::fs::File::create(dir.join("orthanc.log")).unwrap();
        let child = Command::new("Orthanc")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("Orthanc is not installed: run `make deps-test`");
        let orthanc = Self {
            child,
            dir,
            base: url::Url::parse(&format!("http://127.0.0.1:{port}/dicom-web/")).unwrap(),
        };
        let http = build_client(&NetworkSettings::default()).unwrap();
        let system = format!("http://127.0.0.1:{port}/system");
        for _ in 0..200 {
            if let Ok(response) = http.get(&system).send().await {
                if response.status().is_success() {
                    return orthanc;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(orthanc.dir.join("orthanc.log")).unwrap_or_default();
        panic!("Orthanc did not start within 20 s:\n{log}");
    }

    /// Stores one file over STOW-RS; returns (study UID, SOP Instance UID) when accepted.
    pub async fn stow(&self, http: &reqwest::Client, file: &[u8]) -> Option<(String, String)> {
        let studies = self.base.join("studies").unwrap();
        let response = stow(http, studies, &[file.to_vec()]).await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let json: serde_json::Value = response.json().await.ok()?;
        let item = json.get("00081199")?.get("Value")?.get(0)?;
        let sop = item
            .get("00081155")?
            .get("Value")?
            .get(0)?
            .as_str()?
            .to_string();
        let url = item.get("00081190")?.get("Value")?.get(0)?.as_str()?;
        let study = url
            .split("/studies/")
            .nth(1)?
            .split('/')
            .next()?
            .to_string();
        Some((study, sop))
    }
}

/// `$NIR_SHARED_DIR/corpus/dicom`, defaulting to `../shared` beside the repository.
pub(crate) fn corpus_dir() -> PathBuf {
    let shared = std::env::var_os("NIR_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    shared.join("corpus/dicom")
}

#[tokio::test]
async fn every_study_stored_in_orthanc_comes_back_byte_for_byte() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("the shared corpus is present (NIR_SHARED_DIR)")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "the corpus looks incomplete: {} files",
        files.len()
    );
    let orthanc = Orthanc::start().await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    // study UID → SOP Instance UID → the bytes Orthanc kept (the first file with that UID).
    let mut stored: HashMap<String, HashMap<String, (PathBuf, Vec<u8>)>> = HashMap::new();
    let mut accepted = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        if let Some((study, sop)) = orthanc.stow(&http, &bytes).await {
            accepted += 1;
            stored
                .entry(study)
                .or_default()
                .entry(sop)
                .or_insert((path.clone(), bytes));
        }
    }
    eprintln!(
        "Orthanc accepted {accepted} of {} corpus files ({} studies)",
        files.len(),
        stored.len()
    );
    assert!(
        accepted * 10 >= files.len() * 7,
        "Orthanc accepted only {accepted} of {} files",
        files.len()
    );
    let client = DicomWebClient::new(http, std::sync::Arc::new(NoToken));
    let cancel = CancellationToken::new();
    let found = client
        .search_studies(&orthanc.base, &StudyQuery::default())
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        stored.len(),
        "QIDO-RS lists every stored study"
    );
    for (study, instances) in &stored {
        let metadata = orthanc
            .base
            .join(&format!("studies/{study}/metadata"))
            .unwrap();
        let layout = client.study_metadata(&metadata).await.unwrap();
        assert_eq!(
            layout.instance_count(),
            instances.len(),
            "metadata of a corpus study"
        );
        let parts = every_instance(&client, &layout, &cancel).await.unwrap();
        assert_eq!(
            parts.len(),
            instances.len(),
            "instances returned for a corpus study"
        );
        for (sop, (path, bytes)) in instances {
            assert!(
                parts
                    .iter()
                    .any(|part| part.body.as_slice() == bytes.as_slice()),
                "{} (SOP {sop}) did not come back byte for byte",
                path.display()
            );
        }
    }
    drop(orthanc);
}
