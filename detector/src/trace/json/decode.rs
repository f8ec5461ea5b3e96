//! Turns decoded JSON [`Record`]s into meta-table entries and events: the
//! JSON semantics shared by the JSON Lines and JSON document readers, on
//! top of the format-neutral [`Tables`].
//!
//! Errors come back as [`FieldError`]: the kind and the field whose value is
//! at fault, which the reader turns into a `file:line:column`.
//!
//! # Performance
//! Records are decoded in place; declarations take their strings out of
//! the record instead of copying them.

use super::fast::EventFields;
use super::record::{Declaration, Record};
use crate::trace::event::{Event, PrimitiveKind, SiteId};
use crate::trace::meta::TestId;
use crate::trace::meta::{
    ClockUnit, FormatVersion, Header, Note, PrimitiveInfo, Site, SourceFormat, FORMAT_NAME,
};
use crate::trace::tables::{bad, check_version, missing, req, FieldError, Tables};

/// The decoding state of one JSON trace.
#[derive(Debug)]
pub(crate) struct Decoder {
    pub tables: Tables,
}

impl Decoder {
    pub fn new(format: SourceFormat) -> Self {
        Decoder {
            tables: Tables::new(format),
        }
    }

    /// Reads the header record into `meta.header`.
    pub fn header(&mut self, rec: Record<'_>) -> Result<(), FieldError> {
        let format = req(rec.format, "header", "format")?;
        if format != FORMAT_NAME {
            return Err(bad("format", &format, &format!("{FORMAT_NAME:?}")));
        }
        let text = req(rec.version, "header", "version")?;
        let version = parse_version(&text)
            .ok_or_else(|| bad("version", &text, "\"MAJOR.MINOR\", such as \"1.0\""))?;
        check_version(version, &text)?;
        let clock = match rec.clock {
            None => ClockUnit::Nanoseconds,
            Some(c) => ClockUnit::parse(&c).ok_or_else(|| bad("clock", &c, "\"ns\" or \"seq\""))?,
        };
        self.tables.meta.header = Header {
            version,
            command: rec.command.unwrap_or_default(),
            pid: rec.pid,
            start_time: rec.start_time,
            clock,
            test: rec.test.map(|t| TestId {
                binary: t.binary,
                name: t.name,
                run_id: t.run_id,
                attempt: t.attempt,
            }),
        };
        Ok(())
    }

    /// Decodes one record after the header: a declaration (`Ok(None)`) or an
    /// event.
    pub fn record(&mut self, rec: &mut Record<'_>) -> Result<Option<Event>, FieldError> {
        let Some(ty) = rec.ty.take() else {
            return Err(missing("a", "type"));
        };
        let Some(decl) = Declaration::parse(&ty) else {
            return self.event(&EventFields::from_record(rec, &ty)).map(Some);
        };
        match decl {
            Declaration::Header => Err(bad(
                "type",
                "header",
                "a single header, as the first record",
            )),
            Declaration::Site => self.site(rec),
            Declaration::Thread => self.thread(rec),
            Declaration::Primitive => self.primitive(rec),
            Declaration::Var => self.var(rec),
            Declaration::Backtrace => self.backtrace(rec),
            Declaration::NoteText => self.note(rec),
        }
        .map(|()| None)
    }

    fn site_ref(&self, id: Option<u64>) -> Result<Option<SiteId>, FieldError> {
        id.map(|id| self.tables.site(id, "site")).transpose()
    }

    fn site(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "site", "id")?;
        let site = match (rec.file.take(), rec.label.take()) {
            (Some(file), _) => Site::Source {
                file,
                line: req(rec.line, "site", "line")?,
                column: rec.column.unwrap_or(0),
            },
            (None, Some(label)) => Site::Label(label),
            (None, None) => return Err(missing("site", "label")),
        };
        self.tables.declare_site(id, site);
        Ok(())
    }

    fn thread(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "thread", "id")?;
        let spawn_site = self.site_ref(rec.site)?;
        self.tables
            .declare_thread(id, rec.name.take(), rec.parent, spawn_site);
        Ok(())
    }

    fn primitive(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "primitive", "id")?;
        let kind = req(rec.kind.take(), "primitive", "kind")?;
        let kind = PrimitiveKind::parse(&kind).ok_or_else(|| {
            let names: Vec<&str> = PrimitiveKind::ALL.iter().map(|k| k.as_str()).collect();
            bad("kind", &kind, &format!("one of {}", names.join(", ")))
        })?;
        let info = PrimitiveInfo {
            label: String::new(),
            kind,
            name: rec.name.take(),
            site: self.site_ref(rec.site)?,
            permits: rec.permits,
            rank: rec.rank,
            class: rec.class.take(),
        };
        self.tables.declare_primitive(id, info);
        Ok(())
    }

    fn var(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "var", "id")?;
        let site = self.site_ref(rec.site)?;
        self.tables.declare_var(id, rec.name.take(), site);
        Ok(())
    }

    fn backtrace(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "backtrace", "id")?;
        let frames = rec.frames.take().unwrap_or_default();
        self.tables.declare_backtrace(id, frames);
        Ok(())
    }

    fn note(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "note_text", "id")?;
        let note = Note {
            kind: req(rec.kind.take(), "note_text", "kind")?.into_owned(),
            text: req(rec.text.take(), "note_text", "text")?,
        };
        self.tables.declare_note(id, note);
        Ok(())
    }
}

/// Parses `MAJOR.MINOR`.
fn parse_version(text: &str) -> Option<FormatVersion> {
    let (major, minor) = text.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    Some(FormatVersion {
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_as_major_minor() {
        assert_eq!(
            parse_version("1.7"),
            Some(FormatVersion { major: 1, minor: 7 })
        );
        assert_eq!(parse_version("1"), None);
        assert_eq!(parse_version("1.x"), None);
        assert_eq!(parse_version("+1.0"), None);
    }
}
