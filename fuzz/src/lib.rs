//! What the fuzz targets share.

use lockscope_detector::trace::EventSource;

/// Reads `source` to its end or its first error. Every event consumes
/// input, so a reader that yields more events than the input has bytes is
/// looping: that panics, and the fuzzer reports it.
pub fn drain(source: &mut dyn EventSource, len: usize) {
    for _ in 0..=len + 1 {
        match source.next_event() {
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return,
        }
    }
    panic!("more events than input bytes");
}
