//! Test-side helpers: start a sandbox on loopback, make NRL-style requests, and split
//! `multipart/related` bodies into parts (a deliberately small, separate parser).

use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::sandbox::SandboxHandle;

use crate::support::{loopback_sandbox, sandbox_accepting};
use serde_json::Value;

pub const REQUEST_ID: &str = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b";
pub const NHS_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

pub struct Sandbox {
    pub handle: SandboxHandle,
    pub http: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Self {
        Self {
            handle: loopback_sandbox(false).await,
            http: build_client(&NetworkSettings::default()).unwrap(),
        }
    }

    pub async fn start_requiring(tokens: &[&str]) -> Self {
        Self {
            handle: sandbox_accepting(tokens).await,
            http: build_client(&NetworkSettings::default()).unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.handle.base_url().as_str().trim_end_matches('/')
        )
    }

    pub async fn discovery(&self) -> Value {
        self.get_json(self.url("/.well-known/nir-sandbox.json"))
            .await
    }

    pub fn nrl(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
            .header("NHSD-End-User-Organisation-ODS", "Y12345")
            .header("X-Request-ID", REQUEST_ID)
    }

    pub async fn search(&self, nhs: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut query = vec![(
            "subject:identifier".to_string(),
            format!("{NHS_SYSTEM}|{nhs}"),
        )];
        query.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.nrl(
            self.http
                .get(self.url("/fhir/R4/DocumentReference"))
                .query(&query),
        )
        .send()
        .await
        .unwrap()
    }

    pub async fn search_json(&self, nhs: &str, extra: &[(&str, &str)]) -> Value {
        let response = self.search(nhs, extra).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn xca_query(&self, patient_id: &str) -> reqwest::Response {
        self.http
            .post(self.url("/xca/iti38"))
            .header("content-type", "application/soap+xml; charset=UTF-8; action=\"urn:ihe:iti:2007:CrossGatewayQuery\"")
            .body(iti38_request(patient_id))
            .send()
            .await
            .unwrap()
    }

    /// GETs `url` and reads the answer as JSON.
    pub async fn get_json(&self, url: impl reqwest::IntoUrl) -> Value {
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The first imaging study of `nhs` whose description contains `description`:
    /// its WADO-RS study URL and the UID of its first series.
    pub async fn study_of(&self, nhs: &str, description: &str) -> (String, String) {
        let bundle = self.search_json(nhs, &[("category", "721981007")]).await;
        let pointer = pointers(&bundle)
            .into_iter()
            .find(|p| p["description"].as_str().unwrap().contains(description))
            .unwrap_or_else(|| panic!("no study described {description:?}"));
        let url = pointer["content"][0]["attachment"]["url"]
            .as_str()
            .unwrap()
            .trim_end_matches("/metadata")
            .to_string();
        let metadata: Value = self.get_json(format!("{url}/metadata")).await;
        let series = metadata[0]["0020000E"]["Value"][0]
            .as_str()
            .unwrap()
            .to_string();
        (url, series)
    }
}

pub fn iti38_request(patient_id: &str) -> String {
    let escaped = patient_id.replace('&', "&amp;");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">
 <soap:Header>
  <wsa:Action soap:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action>
  <wsa:MessageID>urn:uuid:0a6c1f52-6d3c-4b5e-8f10-2b3c4d5e6f70</wsa:MessageID>
  <wsa:To>http://nir.example/xca</wsa:To>
 </soap:Header>
 <soap:Body>
  <query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
   <query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/>
   <rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">
    <rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'{escaped}'</rim:Value></rim:ValueList></rim:Slot>
    <rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot>
   </rim:AdhocQuery>
  </query:AdhocQueryRequest>
 </soap:Body>
</soap:Envelope>"#
    )
}

/// One part of a multipart body: lower-cased headers and the body bytes.
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// True when the part's body is shorter than its Content-Length said.
    pub short: bool,
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub fn boundary_of(content_type: &str) -> String {
    content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .expect("a boundary parameter")
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Splits a body; returns the parts and whether the closing delimiter was seen.
pub fn split_multipart(body: &[u8], boundary: &str) -> (Vec<Part>, bool) {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut at = find(body, delimiter.as_bytes(), 0).expect("a first delimiter");
    loop {
        let after = at + delimiter.len();
        if body.get(after..after + 2) == Some(b"--") {
            return (parts, true);
        }
        let Some(header_end) = find(body, b"\r\n\r\n", after) else {
            return (parts, false);
        };
        let headers: Vec<(String, String)> = String::from_utf8_lossy(&body[after..header_end])
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let start = header_end + 4;
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.parse::<usize>().unwrap());
        let (end, next) = match length {
            Some(len) if start + len <= body.len() => {
                (start + len, find(body, delimiter.as_bytes(), start + len))
            }
            Some(_) => (body.len(), None),
            None => match find(body, format!("\r\n{delimiter}").as_bytes(), start) {
                Some(p) => (p, Some(p + 2)),
                None => (body.len(), None),
            },
        };
        let short = length.is_some_and(|len| end - start < len);
        parts.push(Part {
            headers,
            body: body[start..end].to_vec(),
            short,
        });
        match next {
            Some(n) => at = n,
            None => return (parts, false),
        }
    }
}

/// GETs a multipart resource and splits it.
pub async fn get_parts(http: &reqwest::Client, url: &str, accept: &str) -> (u16, Vec<Part>, bool) {
    let response = http.get(url).header("accept", accept).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let body = response.bytes().await.unwrap();
    if status != 200 {
        return (status, Vec::new(), false);
    }
    let (parts, closed) = split_multipart(&body, &boundary_of(&content_type));
    (status, parts, closed)
}

pub const ANY_SYNTAX: &str = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";

pub fn dicom(bytes: &[u8]) -> dicom_object::DefaultDicomObject {
    assert_eq!(&bytes[128..132], b"DICM", "a Part-10 preamble");
    dicom_object::from_reader(&bytes[128..]).unwrap()
}

pub fn string(obj: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_string()
}

/// How many bytes an object's Pixel Data holds.
pub fn pixel_data_len(obj: &dicom_object::DefaultDicomObject) -> usize {
    obj.element(dicom_dictionary_std::tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .len()
}

/// The OperationOutcome entry of a searchset bundle.
pub fn outcome_entry(bundle: &Value) -> &Value {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["search"]["mode"] == "outcome")
        .expect("an outcome entry")
}

/// Every DocumentReference of a bundle.
pub fn pointers(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["search"]["mode"] == "match")
        .map(|e| e["resource"].clone())
        .collect()
}
