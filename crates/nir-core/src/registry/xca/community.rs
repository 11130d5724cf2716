//! Which community a `RegistryError` is about, and what the gateway calls it. IHE ITI TF-2
//! §3.38.4.1.3 has a Responding Gateway set every RegistryError's `location` to one of its
//! home community ids, and an Initiating Gateway pass those errors on; ITI TF-3 Table
//! 4.2.4.1-2 (Note 2) has the Initiating Gateway raise `XDSUnavailableCommunity` itself when
//! a community "could not be contacted", without fixing where the id goes, and Table 4.2.4.1-1
//! defines `location` as free text ("module name and line number or stack trace") and
//! `codeContext` as "additional detail". So the id is read from `location` when it is one,
//! else from the first `urn:oid:` inside `codeContext` or `location`. A name is read only
//! where the text plainly gives one: `Name (urn:oid:…)` in either attribute, or a `location`
//! of plain words when the id came from `codeContext`. Names from the configuration win.

/// `urn:oid:X` for a bare OID `X`; anything else trimmed and unchanged.
pub fn normalise_community_id(value: &str) -> String {
    let value = value.trim();
    if is_oid(value) {
        format!("urn:oid:{value}")
    } else {
        value.to_string()
    }
}

fn is_oid(value: &str) -> bool {
    value.len() <= 64
        && value.contains('.')
        && value
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()))
}

/// The first `urn:oid:<digits and dots>` in `text`, without trailing dots, with where it
/// starts.
fn find_urn_oid(text: &str) -> Option<(usize, String)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("urn:oid:") {
        let start = from + found;
        let digits: String = text[start + 8..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let oid = digits.trim_end_matches('.');
        if is_oid(oid) {
            return Some((start, format!("urn:oid:{oid}")));
        }
        from = start + 8;
    }
    None
}

/// Words before `(urn:oid:…` or `[urn:oid:…`: the gateway's name for that community.
fn name_before(text: &str, at: usize) -> Option<String> {
    let before = text[..at].trim_end();
    let before = before
        .strip_suffix('(')
        .or_else(|| before.strip_suffix('['))?;
    let name = before
        .rsplit([':', ';', '.'])
        .next()
        .unwrap_or_default()
        .trim();
    plain_name(name)
}

/// `text` when it reads as a name: short, letters first, no path, code or address marks.
fn plain_name(text: &str) -> Option<String> {
    let text = text.trim();
    let plain = (2..=80).contains(&text.chars().count())
        && text.chars().next().is_some_and(char::is_alphabetic)
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '&' | '\'' | ','))
        && !is_oid(text);
    plain.then(|| text.to_string())
}

/// The community a RegistryError is about, with the gateway's name for it when it gives one.
pub fn community_of(location: &str, context: &str) -> Option<(String, Option<String>)> {
    let location = location.trim();
    if location.to_ascii_lowercase().starts_with("urn:oid:") || is_oid(location) {
        let id = normalise_community_id(location);
        if find_urn_oid(&id).is_some_and(|(_, oid)| oid == id) {
            let name = find_urn_oid(context)
                .and_then(|(at, oid)| (oid == id).then(|| name_before(context, at)).flatten());
            return Some((id, name));
        }
    }
    for text in [context, location] {
        if let Some((at, id)) = find_urn_oid(text) {
            let name = name_before(text, at)
                .or_else(|| (text == context).then(|| plain_name(location)).flatten());
            return Some((id, name));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_comes_from_location_first() {
        assert_eq!(
            community_of("urn:oid:2.999.20.3", "did not respond"),
            Some(("urn:oid:2.999.20.3".into(), None))
        );
        assert_eq!(
            community_of("2.999.20.3", ""),
            Some(("urn:oid:2.999.20.3".into(), None))
        );
        assert_eq!(
            community_of(
                "urn:oid:2.999.20.3",
                "South Imaging (urn:oid:2.999.20.3) timed out"
            ),
            Some(("urn:oid:2.999.20.3".into(), Some("South Imaging".into())))
        );
    }

    #[test]
    fn otherwise_from_the_text_of_either_attribute() {
        assert_eq!(
            community_of(
                "RespondingGatewayProxy.java:212",
                "Community urn:oid:2.999.20.3. could not be contacted"
            ),
            Some(("urn:oid:2.999.20.3".into(), None))
        );
        assert_eq!(
            community_of(
                "North West Imaging",
                "Gateway urn:oid:2.999.20.4 unavailable"
            ),
            Some((
                "urn:oid:2.999.20.4".into(),
                Some("North West Imaging".into())
            ))
        );
        assert_eq!(
            community_of("", "Timed out: East Imaging Network [urn:oid:2.999.20.5]"),
            Some((
                "urn:oid:2.999.20.5".into(),
                Some("East Imaging Network".into())
            ))
        );
        assert_eq!(
            community_of("gateway (urn:oid:2.999.1)", ""),
            Some(("urn:oid:2.999.1".into(), Some("gateway".into())))
        );
    }

    #[test]
    fn no_id_means_no_community() {
        assert_eq!(community_of("", "A community did not respond"), None);
        assert_eq!(community_of("at Gateway.java:12", "urn:oid:"), None);
        assert_eq!(community_of("urn:oid:not.an.oid", "urn:oid:1"), None);
    }

    #[test]
    fn stack_traces_are_not_names() {
        assert_eq!(
            plain_name("at com.example.Gateway.call(Gateway.java:42)"),
            None
        );
        assert_eq!(plain_name("2.999.1"), None);
        assert_eq!(plain_name("North Imaging"), Some("North Imaging".into()));
    }
}
