//! A small, hardened XML reader for SOAP answers: any `<!DOCTYPE` is refused (so no DTD,
//! no custom entities, no XXE or entity expansion), only the five predefined entities and
//! character references are resolved, and depth and element count are bounded. The result
//! is a tree of elements by local name (namespace prefixes dropped), which the response
//! parsers query. Mixed content keeps its order through each child's `tail` (the text that
//! follows it inside its parent), so a narrative can be read back in document order.

use quick_xml::events::Event;
use quick_xml::XmlVersion;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 200_000;

/// One element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name, without prefix.
    pub name: String,
    /// Attributes by local name.
    pub attributes: Vec<(String, String)>,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// Concatenated text content directly inside this element.
    pub text: String,
    /// The text directly after this element's end tag, up to its next sibling (also part of
    /// the parent's `text`).
    pub tail: String,
}

impl Element {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Children with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every descendant (depth first) with this local name.
    pub fn descendants<'a>(&'a self, name: &'a str, out: &mut Vec<&'a Element>) {
        for child in &self.children {
            if child.name == name {
                out.push(child);
            }
            child.descendants(name, out);
        }
    }

    /// The text before the first child (the part of `text` no child's `tail` holds).
    pub fn lead(&self) -> &str {
        let tails: usize = self.children.iter().map(|c| c.tail.len()).sum();
        self.text
            .get(..self.text.len().saturating_sub(tails))
            .unwrap_or_default()
    }

    /// The first descendant with this local name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|child| {
            if child.name == name {
                Some(child)
            } else {
                child.find(name)
            }
        })
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or_default().to_string()
}

/// Parses a document into its root element.
pub fn parse(xml: &[u8]) -> Result<Element, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| format!("XML: {e}"))?;
        match event {
            Event::DocType(_) => return Err("XML with a DOCTYPE is refused".into()),
            Event::Start(ref start) | Event::Empty(ref start) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err("XML too large or too deeply nested".into());
                }
                let mut element = Element {
                    name: local(start.name().as_ref()),
                    ..Element::default()
                };
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|e| format!("XML attribute: {e}"))?;
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| format!("XML attribute value: {e}"))?;
                    element
                        .attributes
                        .push((local(attribute.key.as_ref()), value.into_owned()));
                }
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, element)?;
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("XML: unbalanced end tag")?;
                attach(&mut stack, &mut root, element)?;
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(data) => push_text(&mut stack, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = if reference.is_char_ref() {
                    reference
                        .resolve_char_ref()
                        .map_err(|e| format!("XML character reference: {e}"))?
                        .map(String::from)
                } else {
                    quick_xml::escape::resolve_predefined_entity(&reference.xml10_content())
                        .map(str::to_string)
                };
                let resolved = resolved.ok_or("XML: unknown entity")?;
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("XML: document ends inside an element".into());
    }
    root.ok_or_else(|| "XML: no root element".into())
}

/// Adds text to the open element, and to the tail of its last child if it has one.
fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        top.text.push_str(text);
        if let Some(last) = top.children.last_mut() {
            last.tail.push_str(text);
        }
    }
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err("XML: more than one root element".into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_tree_by_local_name() {
        let root = parse(br#"<?xml version="1.0"?><s:Envelope xmlns:s="x"><s:Body><a:Item id="1" a:kind="k">x &amp; y&#65;<![CDATA[<z>]]></a:Item><Item/></s:Body></s:Envelope>"#).unwrap();
        assert_eq!(root.name, "Envelope");
        let mut items = Vec::new();
        root.descendants("Item", &mut items);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].attr("id"), Some("1"));
        assert_eq!(items[0].attr("kind"), Some("k"));
        assert_eq!(items[0].text, "x & yA<z>");
    }

    #[test]
    fn keeps_mixed_content_in_order() {
        let root = parse(b"<p>one <b>two</b> three &amp; <i>four</i>five</p>").unwrap();
        assert_eq!(root.text, "one  three & five");
        assert_eq!(root.lead(), "one ");
        assert_eq!(root.children[0].tail, " three & ");
        assert_eq!(root.children[1].tail, "five");
        assert_eq!(root.children[1].lead(), "four");
    }

    #[test]
    fn refuses_doctype_entities_and_broken_documents() {
        let xxe = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert!(parse(xxe).unwrap_err().contains("DOCTYPE"));
        let laughs = br#"<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>"#;
        assert!(parse(laughs).is_err());
        assert!(parse(b"<r>&custom;</r>").is_err());
        assert!(parse(b"<r><a></r>").is_err());
        assert!(parse(b"<r>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"<a/><b/>").is_err());
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
