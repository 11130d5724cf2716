//! The responder's own XML reading: a namespace-aware tree built with quick-xml's `NsReader`
//! (each element keeps its namespace name, so `soap:Envelope` in the wrong namespace is
//! told apart), refusing any DOCTYPE. It shares nothing with the client's reader, which
//! drops namespaces.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
pub const QUERY: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0";
pub const RIM: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";
pub const XDSB: &str = "urn:ihe:iti:xds-b:2007";

#[derive(Debug, Default, Clone)]
pub struct Node {
    pub ns: String,
    pub local: String,
    pub text: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find_map(|(n, v)| (n == name).then_some(v.as_str()))
    }

    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    pub fn children<'a>(&'a self, ns: &'a str, local: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    pub fn child<'a>(&'a self, ns: &'a str, local: &'a str) -> Option<&'a Node> {
        self.children(ns, local).next()
    }
}

/// Parses a document into its root element, or says why it cannot.
pub fn parse(xml: &str) -> Result<Node, String> {
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    for _ in 0..100_000 {
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?;
        let ns = match resolved {
            ResolveResult::Bound(ns) => ns.into_inner().to_owned(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(prefix) => {
                return Err(format!("undeclared namespace prefix {prefix}"))
            }
        };
        match event {
            Event::DocType(_) => return Err("a DOCTYPE is not allowed in SOAP".into()),
            Event::Start(ref start) | Event::Empty(ref start) => {
                let mut node = Node {
                    ns,
                    local: start.local_name().into_inner().to_owned(),
                    ..Node::default()
                };
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
                    let key = attribute.key.into_inner().to_owned();
                    if key == "xmlns" || key.starts_with("xmlns:") {
                        continue;
                    }
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| format!("bad attribute value: {e}"))?;
                    let local = attribute.key.local_name().into_inner().to_owned();
                    node.attributes.push((local, value.into_owned()));
                }
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("unbalanced end tag")?;
                attach(&mut stack, &mut root, node);
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                let content = text_of(&event)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&content);
                }
            }
            Event::Eof => {
                return match (stack.is_empty(), root) {
                    (true, Some(root)) => Ok(root),
                    _ => Err("the document ends early".into()),
                }
            }
            _ => {}
        }
    }
    Err("the document is too long".into())
}

/// The text a text, CDATA or reference event stands for: references to characters and to
/// the five predefined entities are resolved, any other entity is an error.
fn text_of(event: &Event) -> Result<String, String> {
    let resolved = match event {
        Event::Text(text) => Some(text.xml10_content().into_owned()),
        Event::CData(data) => Some(data.xml10_content().into_owned()),
        Event::GeneralRef(reference) if reference.is_char_ref() => reference
            .resolve_char_ref()
            .ok()
            .flatten()
            .map(String::from),
        Event::GeneralRef(reference) => {
            quick_xml::escape::resolve_predefined_entity(&reference.xml10_content())
                .map(str::to_owned)
        }
        _ => Some(String::new()),
    };
    resolved.ok_or_else(|| "an unknown entity".into())
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

/// Escapes text for XML content and attributes.
pub fn esc(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            _ => escaped.push(c),
        }
    }
    escaped
}
