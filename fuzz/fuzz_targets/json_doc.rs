//! The JSON document reader on arbitrary bytes: an error or events, never
//! a panic, and never more events than input bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockscope_detector::trace::JsonDocReader;
use lockscope_fuzz::drain;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut reader) = JsonDocReader::new("fuzz", data) {
        drain(&mut reader, data.len());
    }
});
