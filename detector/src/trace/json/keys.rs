//! Byte-level helpers over JSON text that never build a value: where a
//! top-level key's value starts (to point an error at a field, and for
//! format detection), and serde_json's error positions as byte offsets.
//!
//! # Performance
//! One pass over the object's bytes, skipping nested values by bracket
//! depth; used on error paths and once per input for detection.

/// serde_json's message without its own " at line L column C" suffix.
pub(crate) fn json_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

/// The byte offset of serde_json's error position inside `bytes`
/// (serde_json counts 1-based lines and byte columns).
pub(crate) fn json_error_offset(bytes: &[u8], err: &serde_json::Error) -> usize {
    let mut offset = 0;
    for _ in 1..err.line() {
        match memchr::memchr(b'\n', &bytes[offset..]) {
            Some(i) => offset += i + 1,
            None => break,
        }
    }
    (offset + err.column().saturating_sub(1)).min(bytes.len())
}

/// The byte offset of the value of top-level key `field` in the JSON
/// object `bytes`, if it is there. Used only to point errors at a field.
pub(crate) fn field_offset(bytes: &[u8], field: &str) -> Option<usize> {
    let mut found = None;
    walk_keys(bytes, |key, at| {
        if key == field.as_bytes() {
            found = Some(at);
        }
        found.is_some()
    });
    found
}

/// How a walk over an object's top-level keys ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Walk {
    /// The visitor asked to stop.
    Stopped,
    /// The object ended, or is malformed.
    Ended,
    /// `bytes` ended inside the object.
    Incomplete,
}

/// Calls `visit(key, value_offset)` for each top-level key of the object
/// that `bytes` starts with (after whitespace) until it returns true.
pub(crate) fn walk_keys(bytes: &[u8], mut visit: impl FnMut(&[u8], usize) -> bool) -> Walk {
    let Some(open) = bytes.iter().position(|&b| b == b'{') else {
        return Walk::Ended;
    };
    let end_or = |i: usize| {
        if i >= bytes.len() {
            Walk::Incomplete
        } else {
            Walk::Ended
        }
    };
    let mut i = open + 1;
    loop {
        i = skip_ws(bytes, i);
        if bytes.get(i) != Some(&b'"') {
            return end_or(i);
        }
        let Some(key_end) = skip_string(bytes, i) else {
            return Walk::Incomplete;
        };
        let key = &bytes[i + 1..key_end - 1];
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return end_or(i);
        }
        i = skip_ws(bytes, i + 1);
        if i >= bytes.len() {
            return Walk::Incomplete;
        }
        if visit(key, i) {
            return Walk::Stopped;
        }
        let Some(after) = skip_value(bytes, i) else {
            return Walk::Incomplete;
        };
        i = skip_ws(bytes, after);
        if bytes.get(i) != Some(&b',') {
            return end_or(i);
        }
        i += 1;
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The offset just past the string starting at `i` (a `"`).
fn skip_string(bytes: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The offset just past the value starting at `i`.
fn skip_value(bytes: &[u8], mut i: usize) -> Option<usize> {
    match bytes.get(i)? {
        b'"' => skip_string(bytes, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match bytes.get(i)? {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
            {
                i += 1;
            }
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn finds_top_level_fields_only() {
        let rec = br#"{"type":"x","nested":{"obj":1,"s":"a\"b"},"arr":[1,{"obj":2}], "obj" : 3}"#;
        let at = field_offset(rec, "obj").unwrap();
        assert_eq!(rec[at], b'3');
        assert_eq!(field_offset(rec, "type"), Some(8));
        assert_eq!(field_offset(rec, "missing"), None);
    }

    #[test]
    fn error_offsets_follow_serde_positions() {
        let text = b"{\"a\":1,\n \"b\": tru}";
        let err = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        let at = json_error_offset(text, &err);
        assert!(at > 8 && at <= text.len(), "{at}");
        assert!(!json_message(&err).contains(" at line "));
    }
}
