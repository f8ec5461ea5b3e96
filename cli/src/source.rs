//! Opens expanded inputs with the detector's format-detecting reader, behind
//! one progress bar. An analysis's inputs are each opened when first read,
//! so only the traces being read hold a file descriptor.
//!
//! The bar counts bytes read across all inputs. It is drawn on stderr only
//! when the inputs total more than [`PROGRESS_MIN_BYTES`], `-q` is off and
//! stderr is a terminal (indicatif hides it otherwise), so piped and CI
//! output never carries it.

use std::fs::File;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lockscope_detector::analysis::Input;
use lockscope_detector::trace::{self, Event, EventSource, SourceFormat, TraceError, TraceMeta};

use crate::error::CliResult;
use crate::inputs::InputSpec;

/// Inputs smaller than this in total are read without a bar: they take
/// well under a second.
pub const PROGRESS_MIN_BYTES: u64 = 16 << 20;

/// A progress bar over the bytes of a set of inputs (hidden when not wanted).
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `specs`, hidden when `quiet` or the inputs are small.
    pub fn new(specs: &[InputSpec], quiet: bool) -> Self {
        let total: u64 = specs.iter().map(InputSpec::size).sum();
        if quiet || total < PROGRESS_MIN_BYTES {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} reading {msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
        )
        .map(|s| s.progress_chars("=> "));
        if let Ok(style) = style {
            bar.set_style(style);
        }
        Progress { bar }
    }

    /// A bar never drawn.
    pub fn hidden() -> Self {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Opens `spec`, counting its bytes on the bar.
    pub fn open(&self, spec: &InputSpec) -> CliResult<Box<dyn EventSource + Send>> {
        Ok(open(spec, &self.bar)?)
    }

    /// Every input for [`lockscope_detector::analysis::analyze`], each
    /// opened when it is first read (see [`OnFirstRead`]).
    pub fn inputs(&self, specs: &[InputSpec]) -> Vec<Input<'static>> {
        specs
            .iter()
            .map(|spec| Input {
                name: spec.name(),
                source: Box::new(OnFirstRead {
                    spec: spec.clone(),
                    bar: self.bar.clone(),
                    source: None,
                    unread: TraceMeta::new(SourceFormat::JsonLines),
                }),
            })
            .collect()
    }
}

/// Opens `spec`, counting its bytes on `bar`.
fn open(spec: &InputSpec, bar: &ProgressBar) -> Result<Box<dyn EventSource + Send>, TraceError> {
    let name = spec.name();
    bar.set_message(name.clone());
    match spec {
        InputSpec::Stdin => trace::from_reader(&name, Box::new(std::io::stdin())),
        InputSpec::File(path) => {
            let file = File::open(path).map_err(|e| TraceError::io(&name, e))?;
            trace::from_reader(&name, Box::new(bar.wrap_read(file)))
        }
    }
}

/// An input opened at its first read, so that only the inputs being read
/// hold a file: a directory of thousands of traces (one per test process)
/// stays under the open-files limit. Its tables are empty until then.
struct OnFirstRead {
    spec: InputSpec,
    bar: ProgressBar,
    source: Option<Box<dyn EventSource + Send>>,
    unread: TraceMeta,
}

impl EventSource for OnFirstRead {
    fn meta(&self) -> &TraceMeta {
        self.source.as_ref().map_or(&self.unread, |s| s.meta())
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        let source = match &mut self.source {
            Some(source) => source,
            None => self.source.insert(open(&self.spec, &self.bar)?),
        };
        source.next_event()
    }
}
