//! The RAPID STD reader on arbitrary bytes: an error or events, never a
//! panic, and never more events than input bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockscope_detector::trace::StdReader;
use lockscope_fuzz::drain;

fuzz_target!(|data: &[u8]| {
    drain(&mut StdReader::new("fuzz", data), data.len());
});
