//! The syntax of one RAPID STD line, `thread|op(operand)|location`, as a
//! pure function over bytes: shared by the STD reader and format detection.
//!
//! # Performance
//! Three short byte scans and a match on the operation name; no allocation
//! unless the line is malformed.

/// An STD operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StdOp {
    Acq,
    Rel,
    Req,
    Read,
    Write,
    Fork,
    Join,
    Begin,
    End,
}

/// Every STD operation name, for "expected one of" messages.
pub(crate) const STD_OPS: &[&str] = &[
    "acq", "rel", "req", "r", "w", "fork", "join", "begin", "end",
];

impl StdOp {
    fn parse(name: &[u8]) -> Option<StdOp> {
        Some(match name {
            b"acq" => StdOp::Acq,
            b"rel" => StdOp::Rel,
            b"req" => StdOp::Req,
            b"r" => StdOp::Read,
            b"w" => StdOp::Write,
            b"fork" => StdOp::Fork,
            b"join" => StdOp::Join,
            b"begin" => StdOp::Begin,
            b"end" => StdOp::End,
            _ => return None,
        })
    }

    /// Whether the operation takes no operand (`begin()`, `end()`).
    fn is_marker(self) -> bool {
        matches!(self, StdOp::Begin | StdOp::End)
    }
}

/// One parsed line; slices borrow the line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StdLine<'a> {
    pub thread: &'a [u8],
    pub op: StdOp,
    pub operand: &'a [u8],
    /// The location field; `None` when the line has only two fields.
    pub location: Option<&'a [u8]>,
}

/// What is wrong with a line; `offset` is the byte offset of the problem.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineError {
    Syntax {
        offset: usize,
        found: String,
        expected: String,
    },
    UnknownOp {
        offset: usize,
        found: String,
    },
}

impl LineError {
    pub fn offset(&self) -> usize {
        match self {
            LineError::Syntax { offset, .. } | LineError::UnknownOp { offset, .. } => *offset,
        }
    }
}

/// The first `byte` in `hay`. The fields of an STD line are a few bytes
/// long: a plain loop beats `memchr`'s setup there.
#[inline]
fn find(byte: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == byte)
}

/// `bytes` quoted for a message, cut to 40 bytes.
pub(crate) fn quote(bytes: &[u8]) -> String {
    const MAX: usize = 40;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]);
    let ellipsis = if bytes.len() > MAX { "..." } else { "" };
    format!("{:?}{ellipsis}", text)
}

fn syntax(offset: usize, found: String, expected: &str) -> LineError {
    LineError::Syntax {
        offset,
        found,
        expected: expected.to_owned(),
    }
}

/// Parses `thread|op(operand)|location` (the location field is optional).
pub(crate) fn parse_line(line: &[u8]) -> Result<StdLine<'_>, LineError> {
    let Some(bar) = find(b'|', line) else {
        return Err(syntax(
            line.len(),
            format!("{} without \"|\"", quote(line)),
            "thread|op(operand)|location",
        ));
    };
    if bar == 0 {
        return Err(syntax(
            0,
            "an empty thread name".into(),
            "a thread name before \"|\"",
        ));
    }
    let op_start = bar + 1;
    let rest = &line[op_start..];
    let Some(open) = find(b'(', rest) else {
        return Err(syntax(
            op_start,
            quote(rest),
            "an operation such as acq(L1), rel(L1), r(V1) or begin()",
        ));
    };
    let op = StdOp::parse(&rest[..open]).ok_or_else(|| LineError::UnknownOp {
        offset: op_start,
        found: String::from_utf8_lossy(&rest[..open]).into_owned(),
    })?;
    let operand_start = op_start + open + 1;
    let Some(len) = find(b')', &line[operand_start..]) else {
        return Err(syntax(
            line.len(),
            "end of line".into(),
            &format!("\")\" closing {}", quote(&line[op_start..operand_start])),
        ));
    };
    let operand = &line[operand_start..operand_start + len];
    check_operand(op, operand, &line[op_start..operand_start], operand_start)?;
    let after = operand_start + len + 1;
    let location = match line.get(after) {
        None => None,
        Some(b'|') if after + 1 == line.len() => None,
        Some(b'|') => Some(&line[after + 1..]),
        Some(_) => {
            return Err(syntax(
                after,
                quote(&line[after..]),
                "\"|\" and a location, or end of line",
            ))
        }
    };
    Ok(StdLine {
        thread: &line[..bar],
        op,
        operand,
        location,
    })
}

fn check_operand(op: StdOp, operand: &[u8], head: &[u8], at: usize) -> Result<(), LineError> {
    if op.is_marker() == operand.is_empty() {
        return Ok(());
    }
    let head = String::from_utf8_lossy(head);
    if op.is_marker() {
        Err(syntax(
            at,
            quote(operand),
            &format!("{head}) with no operand"),
        ))
    } else {
        Err(syntax(
            at,
            format!("{head})"),
            &format!("a name inside {head}...)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_fields() {
        let l = parse_line(b"T1|acq(L2)|86").unwrap();
        assert_eq!(l.thread, b"T1");
        assert_eq!(l.op, StdOp::Acq);
        assert_eq!(l.operand, b"L2");
        assert_eq!(l.location, Some(&b"86"[..]));
        let l = parse_line(b"7|begin()").unwrap();
        assert_eq!((l.op, l.location), (StdOp::Begin, None));
    }

    #[test]
    fn unclosed_operand_points_past_the_end() {
        let e = parse_line(b"T1|acq(L2").unwrap_err();
        assert_eq!(e.offset(), 9);
        let LineError::Syntax {
            found, expected, ..
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!(found, "end of line");
        assert_eq!(expected, "\")\" closing \"acq(\"");
    }

    #[test]
    fn unknown_operation_points_at_the_operation() {
        let e = parse_line(b"T1|lock(L2)|3").unwrap_err();
        assert_eq!(
            e,
            LineError::UnknownOp {
                offset: 3,
                found: "lock".into()
            }
        );
    }

    #[test]
    fn markers_take_no_operand_and_others_need_one() {
        assert!(parse_line(b"T1|begin(x)|0").is_err());
        assert!(parse_line(b"T1|acq()|0").is_err());
        assert!(parse_line(b"|acq(L)|0").is_err());
        assert!(parse_line(b"T1|acq(L)x").is_err());
        assert!(parse_line(b"hello world").is_err());
    }
}
