//! Every analysis on whatever trace the bytes decode to (any encoding,
//! detected from the content, compressed or not): a report or a reader's
//! error, never a panic.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::trace::from_reader;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = from_reader("fuzz", Box::new(Cursor::new(data.to_vec()))) else {
        return;
    };
    let input = Input {
        name: "fuzz".into(),
        source,
    };
    let _ = analyze(vec![input], &Config::default());
});
