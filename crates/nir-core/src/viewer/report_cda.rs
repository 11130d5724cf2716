//! Reading an HL7 CDA R2 document (a `ClinicalDocument` in the `urn:hl7-org:v3` namespace)
//! into what the report window shows: title, date, author, status, the NHS numbers its
//! `recordTarget` names, and each section's heading with the plain text of its narrative
//! block. The XML goes through the hardened reader (no DOCTYPE, so no DTD, external entity
//! or entity expansion; bounded depth and element count), the bytes must be UTF-8 and the
//! text is bounded. The narrative is never kept as markup: paragraphs, list items and table
//! rows become lines, so nothing of it is ever rendered as HTML or through a stylesheet.

use super::report_text::TEXT_LIMIT;
use crate::registry::xca::xml_tree::{self, Element};
use crate::registry::DocumentStatus;

/// Largest CDA document read.
pub const CDA_LIMIT: usize = 16 << 20;
/// The CDA R2 namespace (HL7 CDA R2 §1.1, the schema's target namespace).
const CDA_NAMESPACE: &str = "urn:hl7-org:v3";
/// The NHS number's OID, the `root` of a patient `id` that is an NHS number.
const NHS_NUMBER_OID: &str = "2.16.840.1.113883.2.1.4.1";
/// Deepest nesting of sections followed.
const MAX_SECTION_DEPTH: usize = 8;

/// Why a CDA document cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CdaError {
    /// Larger than the viewer reads.
    #[error("the CDA document is larger than the viewer accepts")]
    TooLarge,
    /// Not UTF-8.
    #[error("the CDA document is not UTF-8 text")]
    NotUtf8,
    /// Not well-formed, or refused by the XML reader (a DOCTYPE, too deep, too many elements).
    #[error("the CDA document cannot be read ({0})")]
    Xml(String),
    /// Another root element or namespace.
    #[error("it is not an HL7 CDA document (its root is {0})")]
    NotCda(String),
    /// Neither a structured nor a plain-text body.
    #[error("the CDA document has no body the viewer can show")]
    NoBody,
    /// Its text would exceed the viewer's bound.
    #[error("the CDA document's text is longer than the viewer shows")]
    TextTooLong,
}

/// One section: its heading and the plain text of its narrative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdaSection {
    /// `section/title`, or empty.
    pub heading: String,
    /// The narrative block (`section/text`) as plain text.
    pub text: String,
}

/// What a CDA document says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdaDocument {
    /// `ClinicalDocument/title`.
    pub title: Option<String>,
    /// `ClinicalDocument/effectiveTime/@value`, as YYYY-MM-DD.
    pub date: Option<String>,
    /// The first author: a person's name, else a device's or the organisation's.
    pub author: Option<String>,
    /// What the header says of its standing, when it says something.
    pub status: Option<DocumentStatus>,
    /// Digits of every NHS number in `recordTarget/patientRole/id`.
    pub nhs_numbers: Vec<String>,
    /// The sections, nested ones flattened in document order.
    pub sections: Vec<CdaSection>,
}

/// Reads a CDA document.
pub fn parse_cda(bytes: &[u8]) -> Result<CdaDocument, CdaError> {
    if bytes.len() > CDA_LIMIT {
        return Err(CdaError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CdaError::NotUtf8)?;
    let root = xml_tree::parse(text.as_bytes()).map_err(CdaError::Xml)?;
    let namespaced = root.attributes.iter().any(|(_, v)| v == CDA_NAMESPACE);
    if root.name != "ClinicalDocument" || !namespaced {
        return Err(CdaError::NotCda(root.name.clone()));
    }
    let mut budget = TEXT_LIMIT;
    let mut document = CdaDocument {
        title: root.child("title").and_then(plain),
        date: root
            .child("effectiveTime")
            .and_then(|t| t.attr("value"))
            .and_then(hl7_date),
        author: author_of(&root),
        status: status_of(&root),
        nhs_numbers: nhs_numbers(&root),
        sections: Vec::new(),
    };
    let body = root.child("component").ok_or(CdaError::NoBody)?;
    if let Some(structured) = body.child("structuredBody") {
        for component in structured.children_named("component") {
            if let Some(section) = component.child("section") {
                read_section(section, 0, &mut document.sections, &mut budget)?;
            }
        }
    } else if let Some(text) = body
        .child("nonXMLBody")
        .and_then(|b| b.child("text"))
        .filter(|t| plain_text_body(t))
    {
        // HL7 CDA R2 §4.3.1: a nonXMLBody's text is an ED; only inline plain text is read.
        let text = text.text.trim().to_string();
        spend(&mut budget, text.len())?;
        document.sections.push(CdaSection {
            heading: String::new(),
            text,
        });
    }
    if document.sections.is_empty() {
        return Err(CdaError::NoBody);
    }
    Ok(document)
}

/// Whether a nonXMLBody's `text` is inline plain text (ED with `mediaType` text/plain, the
/// default, and no B64 `representation`).
fn plain_text_body(text: &Element) -> bool {
    let media = text.attr("mediaType").unwrap_or("text/plain");
    media.trim().eq_ignore_ascii_case("text/plain")
        && !text
            .attr("representation")
            .is_some_and(|r| r.eq_ignore_ascii_case("B64"))
        && text.children.is_empty()
}

fn spend(budget: &mut usize, len: usize) -> Result<(), CdaError> {
    *budget = budget.checked_sub(len).ok_or(CdaError::TextTooLong)?;
    Ok(())
}

/// An element's whole text, whitespace collapsed; `None` when empty.
fn plain(element: &Element) -> Option<String> {
    let mut out = Flat::new(TEXT_LIMIT);
    inline(element, &mut out).ok()?;
    let text = out.finish();
    (!text.is_empty()).then_some(text)
}

/// An HL7 TS (`YYYYMMDD[HHMM[SS]][+ZZZZ]`) as YYYY-MM-DD.
fn hl7_date(value: &str) -> Option<String> {
    let digits = value.get(..8)?;
    chrono::NaiveDate::parse_from_str(digits, "%Y%m%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// A person name (PN): prefix, given and family parts in order, or its plain text.
fn person_name(name: &Element) -> Option<String> {
    let parts: Vec<String> = name
        .children
        .iter()
        .filter(|p| matches!(p.name.as_str(), "prefix" | "given" | "family" | "suffix"))
        .filter_map(plain)
        .collect();
    if parts.is_empty() {
        plain(name)
    } else {
        Some(parts.join(" "))
    }
}

/// The first author (HL7 CDA R2 §4.2.2.1): `assignedAuthor/assignedPerson/name`, else the
/// authoring device's name, else `representedOrganization/name`.
fn author_of(root: &Element) -> Option<String> {
    root.children_named("author").find_map(|author| {
        let assigned = author.child("assignedAuthor")?;
        assigned
            .child("assignedPerson")
            .and_then(|p| p.child("name"))
            .and_then(person_name)
            .or_else(|| {
                assigned
                    .child("assignedAuthoringDevice")
                    .and_then(|d| d.child("softwareName"))
                    .and_then(plain)
            })
            .or_else(|| {
                assigned
                    .child("representedOrganization")
                    .and_then(|o| o.child("name"))
                    .and_then(plain)
            })
    })
}

/// The header's standing. CDA R2's `ClinicalDocument` carries no status of its own: a
/// document that replaces a parent (`relatedDocument/@typeCode` RPLC, HL7 CDA R2 §4.2.3.1)
/// is an amendment; one with a `legalAuthenticator` (§4.2.2.3) has been signed off as
/// final. A `statusCode` some profiles add is read first (ActStatus: `completed`, `active`,
/// `nullified`).
fn status_of(root: &Element) -> Option<DocumentStatus> {
    let from_code = root
        .child("statusCode")
        .and_then(|s| s.attr("code"))
        .and_then(|code| match code.trim() {
            "completed" => Some(DocumentStatus::Final),
            "active" => Some(DocumentStatus::Preliminary),
            "nullified" => Some(DocumentStatus::EnteredInError),
            "cancelled" | "aborted" => Some(DocumentStatus::Cancelled),
            _ => None,
        });
    let replaces = root
        .children_named("relatedDocument")
        .any(|r| r.attr("typeCode") == Some("RPLC"));
    from_code.or_else(|| {
        if replaces {
            Some(DocumentStatus::Amended)
        } else if root.child("legalAuthenticator").is_some() {
            Some(DocumentStatus::Final)
        } else {
            None
        }
    })
}

/// The NHS numbers in `recordTarget/patientRole/id` (HL7 CDA R2 §4.2.2.10; an `id` whose
/// root is the NHS number OID).
fn nhs_numbers(root: &Element) -> Vec<String> {
    root.children_named("recordTarget")
        .filter_map(|t| t.child("patientRole"))
        .flat_map(|role| role.children_named("id"))
        .filter(|id| id.attr("root").map(str::trim) == Some(NHS_NUMBER_OID))
        .filter_map(|id| id.attr("extension"))
        .map(|n| n.chars().filter(char::is_ascii_digit).collect())
        .collect()
}

/// Reads a section and the sections nested in it (`section/component/section`).
fn read_section(
    section: &Element,
    depth: usize,
    out: &mut Vec<CdaSection>,
    budget: &mut usize,
) -> Result<(), CdaError> {
    if depth >= MAX_SECTION_DEPTH {
        return Err(CdaError::Xml("sections nested too deeply".into()));
    }
    let heading = section.child("title").and_then(plain).unwrap_or_default();
    let text = match section.child("text") {
        Some(narrative) => narrative_text(narrative, *budget)?,
        None => String::new(),
    };
    spend(budget, heading.len() + text.len())?;
    if !heading.is_empty() || !text.is_empty() {
        out.push(CdaSection { heading, text });
    }
    for component in section.children_named("component") {
        if let Some(nested) = component.child("section") {
            read_section(nested, depth + 1, out, budget)?;
        }
    }
    Ok(())
}

/// Plain text being built: whitespace collapsed, blocks on lines of their own, bounded.
struct Flat {
    out: String,
    limit: usize,
}

impl Flat {
    fn new(limit: usize) -> Self {
        Self {
            out: String::new(),
            limit,
        }
    }

    fn text(&mut self, text: &str) -> Result<(), CdaError> {
        for c in text.chars() {
            if c.is_whitespace() {
                if !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
                    self.out.push(' ');
                }
            } else if !c.is_control() {
                self.out.push(c);
            }
        }
        if self.out.len() > self.limit {
            return Err(CdaError::TextTooLong);
        }
        Ok(())
    }

    fn line(&mut self) {
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn finish(self) -> String {
        self.out
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

/// The plain text of a narrative block (HL7 CDA R2 §4.3.5).
pub fn narrative_text(narrative: &Element, limit: usize) -> Result<String, CdaError> {
    let mut out = Flat::new(limit);
    block(narrative, &mut out, 0)?;
    Ok(out.finish())
}

/// Everything inside `element` as running text (a title, a table cell).
fn inline(element: &Element, out: &mut Flat) -> Result<(), CdaError> {
    out.text(element.lead())?;
    for child in &element.children {
        match child.name.as_str() {
            "br" => out.text(" ")?,
            "renderMultiMedia" => out.text(" [multimedia not shown] ")?,
            // Blocks inside running text are kept apart by a space; inline markup is not.
            "paragraph" | "list" | "item" | "table" | "tr" | "caption" | "footnote" => {
                out.text(" ")?;
                inline(child, out)?;
                out.text(" ")?;
            }
            _ => inline(child, out)?,
        }
        out.text(&child.tail)?;
    }
    Ok(())
}

/// The narrative's structure as lines: paragraphs and captions on their own lines, list
/// items each on a line with a bullet or number, table rows as cells joined by `|`
/// (§4.3.5.1–§4.3.5.8).
fn block(element: &Element, out: &mut Flat, lists: usize) -> Result<(), CdaError> {
    out.text(element.lead())?;
    for child in &element.children {
        match child.name.as_str() {
            "br" => out.line(),
            "paragraph" | "caption" => {
                out.line();
                block(child, out, lists)?;
                out.line();
            }
            "list" => {
                out.line();
                let ordered = child.attr("listType") == Some("ordered");
                if let Some(caption) = child.child("caption") {
                    block(caption, out, lists)?;
                    out.line();
                }
                for (n, item) in child.children_named("item").enumerate() {
                    out.line();
                    out.text(&"  ".repeat(lists.min(8)))?;
                    if ordered {
                        out.text(&format!("{}. ", n + 1))?;
                    } else {
                        out.text("• ")?;
                    }
                    block(item, out, lists + 1)?;
                    out.line();
                }
            }
            "table" => {
                out.line();
                table(child, out)?;
            }
            "renderMultiMedia" => out.text(" [multimedia not shown] ")?,
            "footnote" => {
                out.text(" [")?;
                block(child, out, lists)?;
                out.text("] ")?;
            }
            _ => block(child, out, lists)?,
        }
        out.text(&child.tail)?;
    }
    Ok(())
}

/// A table's caption and rows (in `thead`, `tbody`, `tfoot` or directly), one line each.
fn table(table: &Element, out: &mut Flat) -> Result<(), CdaError> {
    if let Some(caption) = table.child("caption") {
        inline(caption, out)?;
        out.line();
    }
    let mut rows: Vec<&Element> = Vec::new();
    for part in &table.children {
        match part.name.as_str() {
            "tr" => rows.push(part),
            "thead" | "tbody" | "tfoot" => rows.extend(part.children_named("tr")),
            _ => {}
        }
    }
    for row in rows {
        let mut first = true;
        for cell in row
            .children
            .iter()
            .filter(|c| c.name == "td" || c.name == "th")
        {
            if !first {
                out.text(" | ")?;
            }
            first = false;
            let mut text = Flat::new(out.limit);
            inline(cell, &mut text)?;
            out.text(&text.finish())?;
        }
        out.line();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cda(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <title>CT Chest report</title>
  <effectiveTime value="20240301103000+0000"/>
  <recordTarget><patientRole>
    <id root="2.16.840.1.113883.2.1.4.1" extension="9912003888"/>
    <id root="2.999.1" extension="LOCAL1"/>
  </patientRole></recordTarget>
  <author><time value="20240301"/><assignedAuthor><id root="2.999"/>
    <assignedPerson><name><prefix>Dr</prefix><given>Sam</given><family>Example</family></name></assignedPerson>
  </assignedAuthor></author>
  <legalAuthenticator><time value="20240301"/></legalAuthenticator>
  <component>{body}</component>
</ClinicalDocument>"#
        )
    }

    #[test]
    fn reads_the_header_and_sections_in_order() {
        let body = r#"<structuredBody>
  <component><section><title>Findings</title><text>
    <paragraph>The lungs are <content styleCode="Bold">clear</content>.</paragraph>
    <list><item>No effusion</item><item>No <content>nodule</content></item></list>
    <table><thead><tr><th>Site</th><th>Size</th></tr></thead>
      <tbody><tr><td>Liver</td><td>12 <sup>mm</sup></td></tr></tbody></table>
    Line one<br/>Line two
  </text>
  <component><section><title>Sub</title><text>Nested.</text></section></component>
  </section></component>
  <component><section><title>Impression</title><text><list listType="ordered"><item>Normal</item><item>Follow up</item></list></text></section></component>
</structuredBody>"#;
        let document = parse_cda(cda(body).as_bytes()).unwrap();
        assert_eq!(document.title.as_deref(), Some("CT Chest report"));
        assert_eq!(document.date.as_deref(), Some("2024-03-01"));
        assert_eq!(document.author.as_deref(), Some("Dr Sam Example"));
        assert_eq!(document.status, Some(DocumentStatus::Final));
        assert_eq!(document.nhs_numbers, vec!["9912003888".to_string()]);
        assert_eq!(document.sections.len(), 3);
        assert_eq!(document.sections[0].heading, "Findings");
        assert_eq!(
            document.sections[0].text,
            "The lungs are clear.\n• No effusion\n• No nodule\nSite | Size\nLiver | 12 mm\nLine one\nLine two"
        );
        assert_eq!(document.sections[1].heading, "Sub");
        assert_eq!(document.sections[1].text, "Nested.");
        assert_eq!(document.sections[2].text, "1. Normal\n2. Follow up");
    }

    #[test]
    fn a_replacing_document_is_amended_and_markup_stays_text() {
        let xml = cda(r#"<structuredBody><component><section><title>A</title>
<text>&lt;script&gt;alert(1)&lt;/script&gt; <renderMultiMedia referencedObject="x"/></text></section></component></structuredBody>"#)
        .replace(
            "<component>",
            r#"<relatedDocument typeCode="RPLC"><parentDocument><id root="1"/></parentDocument></relatedDocument><component>"#,
        );
        let document = parse_cda(xml.as_bytes()).unwrap();
        assert_eq!(document.status, Some(DocumentStatus::Amended));
        assert_eq!(
            document.sections[0].text,
            "<script>alert(1)</script> [multimedia not shown]"
        );
    }

    #[test]
    fn reads_a_plain_text_unstructured_body() {
        let xml =
            cda(r#"<nonXMLBody><text mediaType="text/plain">Report text.</text></nonXMLBody>"#);
        let document = parse_cda(xml.as_bytes()).unwrap();
        assert_eq!(document.sections[0].text, "Report text.");
        let pdf = cda(
            r#"<nonXMLBody><text mediaType="application/pdf" representation="B64">JVBE</text></nonXMLBody>"#,
        );
        assert_eq!(parse_cda(pdf.as_bytes()).unwrap_err(), CdaError::NoBody);
    }

    #[test]
    fn refuses_hostile_and_foreign_documents() {
        let billion = r#"<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><ClinicalDocument xmlns="urn:hl7-org:v3"><title>&b;</title></ClinicalDocument>"#;
        assert!(matches!(
            parse_cda(billion.as_bytes()),
            Err(CdaError::Xml(_))
        ));
        let external = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>"#;
        assert!(matches!(
            parse_cda(external.as_bytes()),
            Err(CdaError::Xml(_))
        ));
        let deep = cda(&format!(
            "<structuredBody><component><section><text>{}x{}</text></section></component></structuredBody>",
            "<content>".repeat(80),
            "</content>".repeat(80)
        ));
        assert!(matches!(parse_cda(deep.as_bytes()), Err(CdaError::Xml(_))));
        let huge = cda(&format!(
            "<structuredBody><component><section><text>{}</text></section></component></structuredBody>",
            "word ".repeat(TEXT_LIMIT / 4)
        ));
        assert_eq!(
            parse_cda(huge.as_bytes()).unwrap_err(),
            CdaError::TextTooLong
        );
        assert_eq!(
            parse_cda(&vec![b' '; CDA_LIMIT + 1]).unwrap_err(),
            CdaError::TooLarge
        );
        assert!(matches!(
            parse_cda(br#"<html xmlns="urn:hl7-org:v3"><body/></html>"#),
            Err(CdaError::NotCda(root)) if root == "html"
        ));
        assert!(matches!(
            parse_cda(b"<ClinicalDocument><title>x</title></ClinicalDocument>"),
            Err(CdaError::NotCda(_))
        ));
        let mut latin = cda("<structuredBody/>").into_bytes();
        latin.extend_from_slice(b"\xe9\xff");
        assert_eq!(parse_cda(&latin).unwrap_err(), CdaError::NotUtf8);
        assert_eq!(
            parse_cda(cda("<structuredBody/>").as_bytes()).unwrap_err(),
            CdaError::NoBody
        );
    }
}
