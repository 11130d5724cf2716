//! A loopback XCA Initiating Gateway written from IHE ITI TF-2 §3.38 (Cross Gateway Query),
//! §3.39 (Cross Gateway Retrieve) and Appendix V (SOAP 1.2, WS-Addressing, MTOM/XOP), as a
//! real gateway would check and answer, and independent of the embedded sandbox:
//!
//! - every request must be an HTTP POST of `application/soap+xml` holding a SOAP 1.2
//!   envelope whose header carries the transaction's `wsa:Action` and a `wsa:MessageID`;
//!   an ITI-38 body must be a FindDocuments `AdhocQueryRequest` (LeafClass, one quoted
//!   patient id, an Approved status list, DTM times); an ITI-39 body a
//!   `RetrieveDocumentSetRequest` whose requests name home community, repository and
//!   document. A request breaking any of this is answered with a `env:Sender` fault and
//!   recorded as a violation, which the tests assert never happens;
//! - the answer's `wsa:RelatesTo` is the request's `MessageID` (unless scripted otherwise);
//! - entries are returned only for the patient id in the form the communities know
//!   (§3.38.4.1.2.2: an unknown id gives a successful empty answer); a community that is
//!   down gives `PartialSuccess` with an `XDSUnavailableCommunity` error placed as scripted
//!   (by default in `location`, per §3.38.4.1.3), and `Failure` when nothing answered;
//! - ITI-39 answers are MTOM/XOP: a `multipart/related` body whose root part holds the
//!   envelope and whose `xop:Include` points at the document part.
//!
//! It serves a bounded number of connections on 127.0.0.1 and stops when dropped.

use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::soap_xml::{esc, parse, Node, QUERY, RIM, SOAP12, WSA, XDSB};

pub const FIND_DOCUMENTS: &str = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d";
const APPROVED: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";
const UNIQUE_ID_SCHEME: &str = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab";
const CLASS_CODE_SCHEME: &str = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a";
const STATUS: &str = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:";
const PARTIAL: &str = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess";
const ERROR: &str = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error";

/// One document a community holds.
#[derive(Clone)]
pub struct Entry {
    pub unique_id: String,
    /// `None` leaves `repositoryUniqueId` out of the entry.
    pub repository: Option<String>,
    pub mime: String,
    /// SNOMED CT class code (NIR's record kinds).
    pub class_code: String,
    pub title: String,
    pub date: String,
    pub content: Vec<u8>,
}

/// A community behind the gateway.
#[derive(Clone)]
pub struct Community {
    pub home: String,
    pub entries: Vec<Entry>,
    /// `None` when the community answers; else how the unavailable error names it:
    /// `(location, codeContext)`.
    pub down: Option<(String, String)>,
}

/// What the gateway answers.
#[derive(Clone)]
pub struct Script {
    /// The patient id (unquoted CX) the communities know.
    pub known_patient: String,
    pub communities: Vec<Community>,
    /// Answer with this `RelatesTo` instead of the request's `MessageID`.
    pub relates_to_override: Option<String>,
    /// Answer every request with a SOAP fault: (HTTP status, code, subcode, reason).
    pub fault: Option<(u16, &'static str, &'static str, &'static str)>,
}

/// What one request looked like.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub path: String,
    pub action: String,
    pub message_id: String,
    pub patient_id: Option<String>,
    pub violations: Vec<String>,
}

pub struct Gateway {
    pub base: url::Url,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Gateway {
    pub async fn start(script: Script) -> Self {
        Self::start_with(|_| script).await
    }

    /// A gateway whose script may name its own address (e.g. in a manifest's Retrieve URL).
    pub async fn start_with(script: impl FnOnce(&url::Url) -> Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let script = script(&base);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let task = tokio::spawn(async move {
            for _ in 0..32 {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let raw = tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    crate::support::read_http_request(&mut socket),
                )
                .await
                .unwrap_or_default();
                if raw.starts_with(b"GET /dicomweb/") {
                    // Not the gateway's business: a WADO-RS request a manifest led to.
                    let _ = socket
                        .write_all(&http("404 Not Found", "text/plain", b""))
                        .await;
                    let _ = socket.shutdown().await;
                    continue;
                }
                let (reply, request) = answer(&script, &raw);
                log.lock().unwrap().push(request);
                let _ = socket.write_all(&reply).await;
                let _ = socket.shutdown().await;
            }
        });
        Self { base, seen, task }
    }

    pub fn query_url(&self) -> url::Url {
        self.base.join("xca/iti38").unwrap()
    }

    pub fn retrieve_url(&self) -> url::Url {
        self.base.join("xca/iti39").unwrap()
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Every request was well formed for its transaction.
    pub fn assert_requests_valid(&self) {
        let requests = self.requests();
        assert!(!requests.is_empty(), "no request reached the gateway");
        for request in requests {
            assert!(request.violations.is_empty(), "{request:?}");
        }
    }
}

fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body].concat()
}

fn envelope(action: &str, relates_to: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<S:Envelope xmlns:S=\"{SOAP12}\" xmlns:A=\"{WSA}\"><S:Header>\
<A:Action S:mustUnderstand=\"1\">{action}</A:Action>\
<A:MessageID>urn:uuid:{}</A:MessageID><A:RelatesTo>{}</A:RelatesTo></S:Header>\
<S:Body>{body}</S:Body></S:Envelope>",
        uuid::Uuid::new_v4(),
        esc(relates_to)
    )
}

fn fault_reply(status: u16, code: &str, subcode: &str, reason: &str, relates_to: &str) -> Vec<u8> {
    let body = format!(
        "<S:Fault><S:Code><S:Value>{code}</S:Value><S:Subcode><S:Value>{}</S:Value></S:Subcode></S:Code>\
<S:Reason><S:Text xml:lang=\"en\">{}</S:Text></S:Reason></S:Fault>",
        esc(subcode),
        esc(reason)
    );
    let xml = envelope(
        "http://www.w3.org/2005/08/addressing/soap/fault",
        relates_to,
        &body,
    );
    let status = match status {
        400 => "400 Bad Request",
        _ => "500 Internal Server Error",
    };
    http(
        status,
        "application/soap+xml; charset=UTF-8",
        xml.as_bytes(),
    )
}

/// Reads the request, checks it, and builds the answer.
fn answer(script: &Script, raw: &[u8]) -> (Vec<u8>, Seen) {
    let mut seen = Seen::default();
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default();
    seen.path = parts.next().unwrap_or_default().to_owned();
    if method != "POST" {
        seen.violations.push(format!("method {method}"));
    }
    let content_type = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !content_type.starts_with("application/soap+xml") {
        seen.violations
            .push(format!("content type {content_type:?} is not SOAP 1.2"));
    }
    let (expected_action, retrieve) = if seen.path.ends_with("/xca/iti38") {
        ("urn:ihe:iti:2007:CrossGatewayQuery", false)
    } else if seen.path.ends_with("/xca/iti39") {
        ("urn:ihe:iti:2007:CrossGatewayRetrieve", true)
    } else {
        seen.violations
            .push(format!("unknown endpoint {}", seen.path));
        ("", false)
    };
    let envelope = match parse(body) {
        Ok(root) => root,
        Err(why) => {
            seen.violations.push(why.clone());
            return (
                fault_reply(400, "S:Sender", "InvalidMessage", &why, ""),
                seen,
            );
        }
    };
    let request = check_envelope(&envelope, expected_action, &mut seen);
    let relates = script
        .relates_to_override
        .clone()
        .unwrap_or_else(|| seen.message_id.clone());
    let Some(request) = request else {
        let why = seen.violations.join("; ");
        return (
            fault_reply(400, "S:Sender", "InvalidMessage", &why, &relates),
            seen,
        );
    };
    let reply = if retrieve {
        let wanted = check_retrieve(request, &mut seen);
        if let Some(fault) = refusal(script, &seen, &relates) {
            return (fault, seen);
        }
        retrieve_reply(script, &wanted, &relates)
    } else {
        let patient = check_query(request, &mut seen);
        if let Some(fault) = refusal(script, &seen, &relates) {
            return (fault, seen);
        }
        query_reply(script, patient.as_deref(), &relates)
    };
    (reply, seen)
}

/// The fault a well-formed request earns: a sender fault listing what it broke, else the
/// fault the script scripts, else none.
fn refusal(script: &Script, seen: &Seen, relates: &str) -> Option<Vec<u8>> {
    if !seen.violations.is_empty() {
        let why = seen.violations.join("; ");
        return Some(fault_reply(
            400,
            "S:Sender",
            "InvalidMessage",
            &why,
            relates,
        ));
    }
    script
        .fault
        .map(|(status, code, subcode, reason)| fault_reply(status, code, subcode, reason, relates))
}

/// Checks the SOAP 1.2 envelope and WS-Addressing headers; returns the body's one element.
fn check_envelope<'a>(root: &'a Node, action: &str, seen: &mut Seen) -> Option<&'a Node> {
    if !root.is(SOAP12, "Envelope") {
        seen.violations.push(format!(
            "the root is {{{}}}{}, not a SOAP 1.2 Envelope",
            root.ns, root.local
        ));
        return None;
    }
    let header = root.child(SOAP12, "Header");
    let header_text = |local: &str| {
        header
            .and_then(|h| h.child(WSA, local))
            .map(|n| n.text.trim().to_owned())
    };
    seen.action = header_text("Action").unwrap_or_default();
    if seen.action != action {
        seen.violations
            .push(format!("wsa:Action {:?}, expected {action:?}", seen.action));
    }
    seen.message_id = header_text("MessageID").unwrap_or_default();
    if !seen.message_id.contains(':') {
        seen.violations
            .push("wsa:MessageID is missing or not an absolute IRI".into());
    }
    if let Some(to) = header_text("To") {
        if !to.ends_with(&seen.path) {
            seen.violations
                .push(format!("wsa:To {to:?} is not this endpoint"));
        }
    }
    let body = root.child(SOAP12, "Body");
    match body.map(|b| b.children.as_slice()) {
        Some([only]) => Some(only),
        _ => {
            seen.violations
                .push("the SOAP Body must hold exactly one element".into());
            None
        }
    }
}

fn slot_values<'a>(node: &'a Node, name: &str) -> Option<Vec<&'a str>> {
    let slot = node
        .children(RIM, "Slot")
        .find(|s| s.attr("name") == Some(name))?;
    Some(
        slot.children(RIM, "ValueList")
            .flat_map(|l| l.children(RIM, "Value"))
            .map(|v| v.text.trim())
            .collect(),
    )
}

/// Checks a FindDocuments request (ITI TF-2 §3.18.4.1.2.3.7); returns the unquoted patient id.
fn check_query(request: &Node, seen: &mut Seen) -> Option<String> {
    if !request.is(QUERY, "AdhocQueryRequest") {
        seen.violations.push(format!(
            "the body is {}, not query:AdhocQueryRequest",
            request.local
        ));
        return None;
    }
    let return_type = request
        .child(QUERY, "ResponseOption")
        .and_then(|o| o.attr("returnType"));
    if return_type != Some("LeafClass") {
        seen.violations.push(format!(
            "ResponseOption returnType {return_type:?}, expected LeafClass"
        ));
    }
    let Some(query) = request.child(RIM, "AdhocQuery") else {
        seen.violations.push("no rim:AdhocQuery".into());
        return None;
    };
    if query.attr("id") != Some(FIND_DOCUMENTS) {
        seen.violations.push(format!(
            "stored query {:?} is not FindDocuments",
            query.attr("id")
        ));
    }
    let allowed = [
        "$XDSDocumentEntryPatientId",
        "$XDSDocumentEntryStatus",
        "$XDSDocumentEntryCreationTimeFrom",
        "$XDSDocumentEntryCreationTimeTo",
        "$XDSDocumentEntryClassCode",
        "$XDSDocumentEntryTypeCode",
        "$XDSDocumentEntryPracticeSettingCode",
        "$XDSDocumentEntryServiceStartTimeFrom",
        "$XDSDocumentEntryServiceStartTimeTo",
        "$XDSDocumentEntryHealthcareFacilityTypeCode",
        "$XDSDocumentEntryEventCodeList",
        "$XDSDocumentEntryType",
    ];
    for slot in query.children(RIM, "Slot") {
        let name = slot.attr("name").unwrap_or_default();
        if !allowed.contains(&name) {
            seen.violations
                .push(format!("unknown FindDocuments parameter {name:?}"));
        }
    }
    for name in [
        "$XDSDocumentEntryCreationTimeFrom",
        "$XDSDocumentEntryCreationTimeTo",
    ] {
        for value in slot_values(query, name).unwrap_or_default() {
            let dtm = (4..=14).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
            if !dtm {
                seen.violations
                    .push(format!("{name} {value:?} is not a DTM"));
            }
        }
    }
    match slot_values(query, "$XDSDocumentEntryStatus").as_deref() {
        Some([list]) if list.starts_with('(') && list.contains(&format!("'{APPROVED}'")) => {}
        other => seen.violations.push(format!(
            "$XDSDocumentEntryStatus {other:?} lists no Approved status"
        )),
    }
    match slot_values(query, "$XDSDocumentEntryPatientId").as_deref() {
        Some([quoted])
            if quoted.len() > 2 && quoted.starts_with('\'') && quoted.ends_with('\'') =>
        {
            let id = quoted[1..quoted.len() - 1].to_owned();
            seen.patient_id = Some(id.clone());
            if !id.contains("^^^") {
                seen.violations
                    .push(format!("patient id {id:?} is not a CX value"));
            }
            Some(id)
        }
        other => {
            seen.violations.push(format!(
                "$XDSDocumentEntryPatientId {other:?} must be one quoted value"
            ));
            None
        }
    }
}

fn extrinsic_object(home: &str, entry: &Entry, index: usize) -> String {
    let id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    let repository = entry
        .repository
        .as_ref()
        .map(|r| {
            format!(
                "<rim:Slot name=\"repositoryUniqueId\"><rim:ValueList><rim:Value>{}</rim:Value></rim:ValueList></rim:Slot>",
                esc(r)
            )
        })
        .unwrap_or_default();
    format!(
        "<rim:ExtrinsicObject id=\"{id}\" home=\"{}\" mimeType=\"{}\" objectType=\"urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1\" status=\"{APPROVED}\">\
<rim:Slot name=\"creationTime\"><rim:ValueList><rim:Value>{}</rim:Value></rim:ValueList></rim:Slot>{repository}\
<rim:Name><rim:LocalizedString value=\"{}\"/></rim:Name>\
<rim:Classification id=\"cl{index}\" classificationScheme=\"{CLASS_CODE_SCHEME}\" classifiedObject=\"{id}\" nodeRepresentation=\"{}\">\
<rim:Slot name=\"codingScheme\"><rim:ValueList><rim:Value>2.16.840.1.113883.6.96</rim:Value></rim:ValueList></rim:Slot></rim:Classification>\
<rim:ExternalIdentifier id=\"ei{index}\" identificationScheme=\"{UNIQUE_ID_SCHEME}\" registryObject=\"{id}\" value=\"{}\"/>\
</rim:ExtrinsicObject>",
        esc(home),
        esc(&entry.mime),
        esc(&entry.date),
        esc(&entry.title),
        esc(&entry.class_code),
        esc(&entry.unique_id),
    )
}

fn registry_error(code: &str, context: &str, location: &str) -> String {
    format!(
        "<rs:RegistryError errorCode=\"{}\" codeContext=\"{}\" location=\"{}\" severity=\"{ERROR}\"/>",
        esc(code),
        esc(context),
        esc(location)
    )
}

fn query_reply(script: &Script, patient: Option<&str>, relates: &str) -> Vec<u8> {
    let known = patient == Some(script.known_patient.as_str());
    let mut objects = String::new();
    let mut errors = String::new();
    let mut answered = 0;
    for community in &script.communities {
        match &community.down {
            Some((location, context)) => {
                errors += &registry_error("XDSUnavailableCommunity", context, location);
            }
            None => {
                answered += 1;
                if known {
                    for (index, entry) in community.entries.iter().enumerate() {
                        objects += &extrinsic_object(&community.home, entry, index);
                    }
                }
            }
        }
    }
    let status = match (errors.is_empty(), answered) {
        (true, _) => format!("{STATUS}Success"),
        (false, 0) => format!("{STATUS}Failure"),
        (false, _) => PARTIAL.to_owned(),
    };
    let error_list = if errors.is_empty() {
        String::new()
    } else {
        format!("<rs:RegistryErrorList highestSeverity=\"{ERROR}\">{errors}</rs:RegistryErrorList>")
    };
    let body = format!(
        "<query:AdhocQueryResponse xmlns:query=\"{QUERY}\" xmlns:rim=\"{RIM}\" xmlns:rs=\"urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0\" status=\"{status}\">\
{error_list}<rim:RegistryObjectList>{objects}</rim:RegistryObjectList></query:AdhocQueryResponse>"
    );
    let xml = envelope("urn:ihe:iti:2007:CrossGatewayQueryResponse", relates, &body);
    http(
        "200 OK",
        "application/soap+xml; charset=UTF-8; action=\"urn:ihe:iti:2007:CrossGatewayQueryResponse\"",
        xml.as_bytes(),
    )
}

/// Checks a RetrieveDocumentSetRequest; returns (home, repository, document) per request.
fn check_retrieve(request: &Node, seen: &mut Seen) -> Vec<(String, String, String)> {
    if !request.is(XDSB, "RetrieveDocumentSetRequest") {
        seen.violations.push(format!(
            "the body is {}, not xdsb:RetrieveDocumentSetRequest",
            request.local
        ));
        return Vec::new();
    }
    let mut wanted = Vec::new();
    for document in request.children(XDSB, "DocumentRequest") {
        let text = |local: &str| {
            document
                .child(XDSB, local)
                .map(|n| n.text.trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        match (
            text("HomeCommunityId"),
            text("RepositoryUniqueId"),
            text("DocumentUniqueId"),
        ) {
            (Some(home), Some(repository), Some(id)) => wanted.push((home, repository, id)),
            _ => seen.violations.push(
                "a DocumentRequest lacks HomeCommunityId, RepositoryUniqueId or DocumentUniqueId"
                    .into(),
            ),
        }
    }
    if wanted.is_empty() && seen.violations.is_empty() {
        seen.violations.push("no DocumentRequest".into());
    }
    wanted
}

fn retrieve_reply(script: &Script, wanted: &[(String, String, String)], relates: &str) -> Vec<u8> {
    let boundary = format!("MIMEBoundary_{}", uuid::Uuid::new_v4().simple());
    let mut parts: Vec<(String, &Entry)> = Vec::new();
    let mut responses = String::new();
    let mut errors = String::new();
    for (home, repository, id) in wanted {
        let found = script
            .communities
            .iter()
            .filter(|c| &c.home == home && c.down.is_none())
            .flat_map(|c| c.entries.iter())
            .find(|e| &e.unique_id == id && e.repository.as_ref() == Some(repository));
        match found {
            Some(entry) => {
                let cid = format!("{}@gateway.test", uuid::Uuid::new_v4().simple());
                responses += &format!(
                    "<xdsb:DocumentResponse><xdsb:HomeCommunityId>{}</xdsb:HomeCommunityId>\
<xdsb:RepositoryUniqueId>{}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>{}</xdsb:DocumentUniqueId>\
<xdsb:mimeType>{}</xdsb:mimeType><xdsb:Document><xop:Include xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:{cid}\"/></xdsb:Document>\
</xdsb:DocumentResponse>",
                    esc(home),
                    esc(repository),
                    esc(id),
                    esc(&entry.mime)
                );
                parts.push((cid, entry));
            }
            None => errors += &registry_error("XDSDocumentUniqueIdError", id, home),
        }
    }
    let status = match (errors.is_empty(), parts.is_empty()) {
        (true, _) => format!("{STATUS}Success"),
        (false, true) => format!("{STATUS}Failure"),
        (false, false) => PARTIAL.to_owned(),
    };
    let error_list = if errors.is_empty() {
        String::new()
    } else {
        format!("<rs:RegistryErrorList>{errors}</rs:RegistryErrorList>")
    };
    let body = format!(
        "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"{XDSB}\"><rs:RegistryResponse xmlns:rs=\"urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0\" status=\"{status}\">{error_list}</rs:RegistryResponse>{responses}</xdsb:RetrieveDocumentSetResponse>"
    );
    let root = envelope(
        "urn:ihe:iti:2007:CrossGatewayRetrieveResponse",
        relates,
        &body,
    );
    let root_id = "root.message@gateway.test";
    let mut bytes = format!(
        "--{boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\n\
Content-Transfer-Encoding: binary\r\nContent-ID: <{root_id}>\r\n\r\n{root}\r\n"
    )
    .into_bytes();
    for (cid, entry) in parts {
        bytes.extend(
            format!(
                "--{boundary}\r\nContent-Type: {}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{cid}>\r\n\r\n",
                entry.mime
            )
            .into_bytes(),
        );
        bytes.extend(&entry.content);
        bytes.extend(b"\r\n");
    }
    bytes.extend(format!("--{boundary}--\r\n").into_bytes());
    let content_type = format!(
        "multipart/related; boundary=\"{boundary}\"; type=\"application/xop+xml\"; start=\"<{root_id}>\"; start-info=\"application/soap+xml\"; action=\"urn:ihe:iti:2007:CrossGatewayRetrieveResponse\""
    );
    http("200 OK", &content_type, &bytes)
}
