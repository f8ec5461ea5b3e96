//! A write error while recording (here: the file size limit, as a full
//! disk would) is reported on stderr when it happens, not only at exit, and
//! the trace keeps what was written before it and reads as truncated.
//!
//! The test runs its own binary again as the child, under a file size
//! limit; the child prints a marker after the flush that hits the limit,
//! and the parent checks the error came before the marker.

#![cfg(all(feature = "record", target_os = "linux"))]

use std::process::Command;

use lockscope_detector::trace;
use lockscope_sync::prelude::*;
use lockscope_sync::Mutex;

const CHILD: &str = "LOCKSCOPE_WRITE_ERROR_TEST_CHILD";
/// The child's file size limit: a few spills of the 64 KiB write buffer.
const LIMIT: u64 = 200 * 1024;
const MARKER: &str = "child: flushed past the limit";

#[test]
fn a_write_error_is_reported_when_it_happens_and_the_trace_reads_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.lsb");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_records_past_a_file_size_limit",
            "--nocapture",
        ])
        .env(CHILD, &path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reported = stderr
        .find("lockscope: writing trace")
        .unwrap_or_else(|| panic!("no write error on stderr:\n{stderr}"));
    let marker = stderr
        .find(MARKER)
        .unwrap_or_else(|| panic!("the child did not get to its marker:\n{stderr}"));
    assert!(
        reported < marker,
        "the error was reported after the flush that hit it:\n{stderr}"
    );
    assert_eq!(
        stderr.matches("lockscope: writing trace").count(),
        1,
        "reported once when it happened:\n{stderr}"
    );

    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size <= LIMIT, "{size} bytes");
    let mut src = trace::open(&path).unwrap();
    let mut acquired = 0;
    while let Some(e) = src.next_event().unwrap() {
        if matches!(e.kind, trace::EventKind::Acquired { .. }) {
            acquired += 1;
        }
    }
    let meta = src.meta();
    assert!(meta.truncated, "{:?}", meta.warnings);
    assert!(
        meta.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        meta.warnings
    );
    assert!(acquired > 1000, "{acquired} acquisitions before the cut");
    // The marker next to the trace, for `lockscope run`: a write error,
    // not a crash.
    let said = std::fs::read_to_string(dir.path().join("cut.lsb.error")).unwrap();
    assert!(said.starts_with("lockscope: writing trace"), "{said}");
}

/// The child's side; does nothing unless run by the test above.
#[test]
fn child_records_past_a_file_size_limit() {
    let Some(path) = std::env::var_os(CHILD) else {
        return;
    };
    let limit = libc::rlimit {
        rlim_cur: LIMIT,
        rlim_max: LIMIT,
    };
    // SAFETY: plain libc calls on this process: ignoring SIGXFSZ makes a
    // write past the limit fail with EFBIG instead of killing the process;
    // `limit` is a valid rlimit for the duration of the call.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
    let rec = lockscope_sync::record_to(&path).unwrap();
    let m = Mutex::named("past_the_limit", 0u64);
    // Far more than the limit holds: a lock and unlock are a few bytes.
    for _ in 0..200 {
        for _ in 0..1000 {
            *m.lock() += 1;
        }
        let _ = lockscope_sync::flush();
    }
    eprintln!("{MARKER}");
    assert!(rec.finish().is_err(), "the recording ends with the error");
}
