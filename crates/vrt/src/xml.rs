//! A small element tree built with quick-xml: VRT files are a few levels deep and each element
//! is looked at by name, so a tree is simpler to validate than a stream of events.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Deepest element nesting accepted; VRTs need about five levels.
const MAX_DEPTH: usize = 64;

/// One XML element: its name, attributes, the text directly inside it and its child elements.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Element {
    /// Tag name as written (XML is case-sensitive; GDAL's lookups are not, see [`Element::child`]).
    pub name: String,
    /// Attributes in document order, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// Concatenated text content (entities resolved), untrimmed.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `name` (ASCII case-insensitive, as GDAL's CPLGetXMLValue).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first child element called `name` (ASCII case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The trimmed text of the first child called `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
}

/// Parses `text` into its root element. Errors are plain messages; the caller adds the path.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<Element, String> {
    parse_with(text, |_, _, _| Ok(false))
}

/// Like `parse`, but every completed element is first offered to `take(depth, parent_name,
/// element)` (the root has depth 1); when it returns true the element is consumed and not kept
/// in the tree. Lets a VRT of 100 000 sources be converted source by source instead of held as
/// one large tree.
pub(crate) fn parse_with(
    text: &str,
    mut take: impl FnMut(usize, &str, &Element) -> Result<bool, String>,
) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} levels"));
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                let e = element(&start)?;
                close(&mut stack, &mut root, e, &mut take)?;
            }
            Event::End(_) => {
                let e = stack.pop().ok_or("unbalanced end tag")?;
                close(&mut stack, &mut root, e, &mut take)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&t.decode().map_err(|e| format!("bad text: {e}"))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&t.decode().map_err(|e| format!("bad CDATA: {e}"))?);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    let c = r
                        .resolve_char_ref()
                        .map_err(|e| format!("bad character reference: {e}"))?
                        .ok_or("bad character reference")?;
                    c.to_string()
                } else {
                    let name = r.decode().map_err(|e| format!("bad entity: {e}"))?;
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown XML entity &{name};"))?
                        .to_string()
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("XML ends inside an element (truncated file?)".into());
    }
    root.ok_or_else(|| "no XML element found".into())
}

/// Attaches a completed element to its parent (unless `take` consumes it), or makes it the
/// root.
fn close(
    stack: &mut [Element],
    root: &mut Option<Element>,
    e: Element,
    take: &mut impl FnMut(usize, &str, &Element) -> Result<bool, String>,
) -> Result<(), String> {
    let depth = stack.len() + 1;
    match stack.last_mut() {
        Some(parent) => {
            if !take(depth, &parent.name, &e)? {
                parent.children.push(e);
            }
        }
        None if root.is_none() => *root = Some(e),
        None => return Err("more than one root element".into()),
    }
    Ok(())
}

/// An element with its name and attributes and no content yet.
fn element(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| format!("bad attribute in <{name}>: {e}"))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("bad attribute {key} in <{name}>: {e}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        ..Element::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree_with_entities() {
        let e = parse(
            r#"<?xml version="1.0"?><!-- c --><A x="1 &amp; 2"><B>a &lt; b&#65;</B><C/><![CDATA[z]]></A>"#,
        )
        .unwrap();
        assert_eq!(e.name, "A");
        assert_eq!(e.attr("X"), Some("1 & 2"));
        assert_eq!(e.child_text("b"), Some("a < bA"));
        assert!(e.child("C").is_some());
        assert_eq!(e.text, "z");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "<A>",
            "<A></B>",
            "<A/><B/>",
            "<A>&nope;</A>",
            "<A x='1' x='2'/>",
            "<A><B></A>",
            "not xml",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).unwrap_err().contains("deeper"));
    }
}
