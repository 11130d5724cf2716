//! Reading ITI-39 answers sent as MTOM/XOP (`multipart/related; type="application/xop+xml"`):
//! the root part is the SOAP envelope with a `RetrieveDocumentSetResponse`, and each
//! `DocumentResponse` points with `xop:Include href="cid:…"` to the attachment holding the
//! document (a DICOM KOS manifest or a report). Inline base64 documents are accepted too.

use base64::Engine;
use zeroize::Zeroizing;

use super::response::{fault_of, relates_to, status_of, RegistryErrorEntry, ResponseStatus};
use super::xml_tree;
use crate::dicomweb::multipart::MultipartParser;

/// One retrieved document.
#[derive(Debug)]
pub struct RetrievedDocument {
    /// `DocumentUniqueId`.
    pub document_id: String,
    /// Media type.
    pub mime_type: String,
    /// The content, zeroised on drop.
    pub content: Zeroizing<Vec<u8>>,
}

/// A parsed ITI-39 answer.
#[derive(Debug)]
pub struct RetrieveAnswer {
    /// Registry status.
    pub status: ResponseStatus,
    /// Registry errors.
    pub errors: Vec<RegistryErrorEntry>,
    /// Documents.
    pub documents: Vec<RetrievedDocument>,
    /// The envelope's WS-Addressing `RelatesTo`, if any.
    pub relates_to: Option<String>,
}

/// Parses an ITI-39 response body given its `Content-Type`.
pub fn parse_retrieve_response(content_type: &str, body: &[u8]) -> Result<RetrieveAnswer, String> {
    let (root_xml, attachments) = if content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/")
    {
        let mut parser =
            MultipartParser::for_content_type(content_type).map_err(|e| e.to_string())?;
        let mut parts = parser.push(body).map_err(|e| e.to_string())?;
        parser.finish().map_err(|e| e.to_string())?;
        if parts.is_empty() {
            return Err("the MTOM body has no parts".into());
        }
        let root = parts.remove(0);
        (Zeroizing::new(root.body.to_vec()), parts)
    } else {
        (Zeroizing::new(body.to_vec()), Vec::new())
    };
    let root = xml_tree::parse(&root_xml)?;
    let relates = relates_to(&root);
    if let Some((code, reason)) = fault_of(&root) {
        return Err(format!("SOAP fault {code}: {reason}"));
    }
    let response = root
        .find("RetrieveDocumentSetResponse")
        .ok_or("no RetrieveDocumentSetResponse")?;
    let registry = response
        .child("RegistryResponse")
        .ok_or("no RegistryResponse")?;
    let (status, errors) = status_of(registry)?;
    let mut documents = Vec::new();
    for item in response.children_named("DocumentResponse") {
        let text = |name: &str| {
            item.child(name)
                .map(|e| e.text.trim().to_string())
                .unwrap_or_default()
        };
        let document = item
            .child("Document")
            .ok_or("a DocumentResponse has no Document")?;
        let content = match document.child("Include").and_then(|i| i.attr("href")) {
            Some(href) => {
                let cid = href.strip_prefix("cid:").unwrap_or(href);
                let cid = percent_decode(cid);
                let part = attachments
                    .iter()
                    .find(|p| {
                        p.header("content-id")
                            .map(|id| id.trim_matches(|c| c == '<' || c == '>'))
                            == Some(cid.as_str())
                    })
                    .ok_or("an xop:Include names a missing attachment")?;
                Zeroizing::new(part.body.to_vec())
            }
            None => Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(document.text.split_whitespace().collect::<String>())
                    .map_err(|e| format!("inline document: {e}"))?,
            ),
        };
        documents.push(RetrievedDocument {
            document_id: text("DocumentUniqueId"),
            mime_type: text("mimeType"),
            content,
        });
    }
    Ok(RetrieveAnswer {
        status,
        errors,
        documents,
        relates_to: relates,
    })
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(text.replace('+', "%2B").as_bytes())
        .next()
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../../../../tests/fixtures/xca/retrieve-mtom.txt");
    const CONTENT_TYPE: &str = "multipart/related; boundary=MIMEBoundary_nirtest; type=\"application/xop+xml\"; start=\"<root@example>\"; start-info=\"application/soap+xml\"";

    #[test]
    fn reads_an_mtom_document_by_content_id() {
        let answer = parse_retrieve_response(CONTENT_TYPE, FIXTURE).unwrap();
        assert_eq!(answer.status, ResponseStatus::Success);
        assert_eq!(answer.documents.len(), 1);
        assert_eq!(answer.documents[0].document_id, "2.999.7.1");
        assert_eq!(answer.documents[0].mime_type, "application/fhir+json");
        assert!(answer.documents[0]
            .content
            .starts_with(b"{\"resourceType\":\"DiagnosticReport\""));
    }

    #[test]
    fn truncated_or_dangling_mtom_is_an_error() {
        let cut = &FIXTURE[..FIXTURE.len() - 40];
        assert!(parse_retrieve_response(CONTENT_TYPE, cut).is_err());
        let text =
            String::from_utf8_lossy(FIXTURE).replace("cid:doc1@example", "cid:other@example");
        assert!(parse_retrieve_response(CONTENT_TYPE, text.as_bytes()).is_err());
        assert!(parse_retrieve_response("multipart/related", FIXTURE).is_err());
    }
}
