//! Where the trace goes and what it holds, from the environment:
//!
//! - `LOCKSCOPE_TRACE=path` turns recording on at the first instrumented
//!   operation. `{pid}` in the path becomes the process id and `{test}` the
//!   test: `BINARY.TEST`, the test binary (nextest's `NEXTEST_BINARY_ID`,
//!   else the executable's name without cargo's `-<hash>`) and the test
//!   (nextest's `NEXTEST_TEST_NAME`, else the name of the thread that
//!   started recording, which is the test's under `cargo test`; nothing on
//!   the main thread), plus `.attempt-N` for a retry (`NEXTEST_ATTEMPT`). So
//!   every test process writes its own file, and two binaries' tests of the
//!   same name never share one. A path that is an existing directory or
//!   ends in `/` means `dir/lockscope-{pid}.lsb`.
//! - The file name picks the encoding: `*.jsonl` is JSON Lines (for people
//!   and other tools), any other name lockscope's binary encoding (the
//!   default: about a tenth of the bytes); a further `.zst` compresses it
//!   with zstd (`trace.lsb.zst`, `trace.jsonl.zst`). Every reader detects
//!   the encoding from the content.
//! - `LOCKSCOPE_BACKTRACE=1` adds a symbolized backtrace to every event that
//!   has a call site (expensive: tens of microseconds each).

use std::path::PathBuf;

use lockscope_detector::trace::TestId;
use std::sync::atomic::{AtomicU8, Ordering};

/// The environment variable naming the trace file.
pub const TRACE_ENV: &str = "LOCKSCOPE_TRACE";
/// The environment variable turning on backtraces.
pub const BACKTRACE_ENV: &str = "LOCKSCOPE_BACKTRACE";

const UNKNOWN: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;
static BACKTRACES: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether events carry backtraces (`LOCKSCOPE_BACKTRACE=1` or
/// [`set_backtraces`]). One relaxed load once decided: every recorded
/// acquisition asks.
#[inline]
pub fn backtraces() -> bool {
    match BACKTRACES.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => backtraces_from_env(),
    }
}

/// [`backtraces`] once it is decided, else `None`: no call, for the lock
/// fast path.
#[inline(always)]
pub(crate) fn backtraces_if_decided() -> Option<bool> {
    match BACKTRACES.load(Ordering::Relaxed) {
        ON => Some(true),
        OFF => Some(false),
        _ => None,
    }
}

#[cold]
#[inline(never)]
fn backtraces_from_env() -> bool {
    let on = backtrace_env().unwrap_or(false);
    BACKTRACES.store(if on { ON } else { OFF }, Ordering::Relaxed);
    on
}

/// What `LOCKSCOPE_BACKTRACE` says, if it is set: on unless it is empty,
/// `0`, `off` or `false`. The one reading of the variable, for the
/// recorder's event backtraces and the live checks' wait backtraces.
pub(crate) fn backtrace_env() -> Option<bool> {
    let v = std::env::var(BACKTRACE_ENV).ok()?;
    Some(!matches!(v.trim(), "" | "0" | "off" | "false"))
}

/// Turns backtraces on or off in code, overriding the environment.
pub fn set_backtraces(on: bool) {
    BACKTRACES.store(if on { ON } else { OFF }, Ordering::Relaxed);
}

/// The trace path `LOCKSCOPE_TRACE` asks for, placeholders expanded.
pub fn env_path() -> Option<PathBuf> {
    let raw = std::env::var_os(TRACE_ENV)?;
    let raw = raw.to_string_lossy();
    (!raw.is_empty()).then(|| expand(&raw, std::process::id(), &test_name()))
}

/// Expands `{pid}` and `{test}` in `template`; a directory means
/// `dir/lockscope-{pid}.lsb`.
pub fn expand(template: &str, pid: u32, test: &str) -> PathBuf {
    let text = template
        .replace("{pid}", &pid.to_string())
        .replace("{test}", test);
    let path = PathBuf::from(&text);
    if text.ends_with('/') || path.is_dir() {
        path.join(format!("lockscope-{pid}.lsb"))
    } else {
        path
    }
}

/// `{test}` for this process and thread (see the module documentation),
/// made safe for a file name.
fn test_name() -> String {
    let t = test_id();
    test_file_name(&t.binary, t.name.as_deref(), t.attempt)
}

/// The test this process and thread record for: nextest's
/// `NEXTEST_BINARY_ID`, `NEXTEST_TEST_NAME`, `NEXTEST_RUN_ID` and
/// `NEXTEST_ATTEMPT`, else the executable's name without cargo's `-<hash>`
/// and the current thread's name (a test's, under the test harness; none
/// on the main thread).
pub(crate) fn test_id() -> TestId {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let binary = env("NEXTEST_BINARY_ID").unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .map_or_else(|| "lockscope".to_string(), |s| without_hash(&s).to_string())
    });
    let thread = std::thread::current();
    TestId {
        binary,
        name: env("NEXTEST_TEST_NAME")
            .or_else(|| thread.name().filter(|n| *n != "main").map(str::to_string)),
        run_id: env("NEXTEST_RUN_ID"),
        attempt: env("NEXTEST_ATTEMPT").and_then(|a| a.parse().ok()),
    }
}

/// The header's test: the process's [`test_id`] when a test harness runs
/// it (nextest, or a named thread of the test harness started recording).
pub(crate) fn header_test() -> Option<TestId> {
    let t = test_id();
    (t.name.is_some() || t.run_id.is_some()).then_some(t)
}

/// `BINARY.TEST[.attempt-N]` (just `BINARY` without a test; no attempt
/// suffix for a first attempt), made safe for a file name.
fn test_file_name(binary: &str, test: Option<&str>, attempt: Option<u32>) -> String {
    let mut name = binary.to_string();
    if let Some(test) = test {
        name.push('.');
        name.push_str(test);
    }
    if let Some(n) = attempt.filter(|n| *n > 1) {
        name.push_str(&format!(".attempt-{n}"));
    }
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A test executable's name without the `-<16 hex digits>` cargo appends.
fn without_hash(stem: &str) -> &str {
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            name
        }
        _ => stem,
    }
}

/// The current wall-clock time, RFC 3339 in UTC with milliseconds.
pub(crate) fn rfc3339_now() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(since.as_secs(), since.subsec_millis())
}

fn rfc3339(secs: u64, millis: u32) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_file_names_differ_across_binaries_and_attempts() {
        let a = test_file_name("alpha", Some("tests::basic"), None);
        let b = test_file_name("beta", Some("tests::basic"), None);
        assert_ne!(a, b);
        assert_eq!(a, "alpha.tests__basic");
        assert_eq!(
            test_file_name("alpha", Some("tests::basic"), Some(2)),
            "alpha.tests__basic.attempt-2"
        );
        assert_eq!(test_file_name("alpha", None, Some(1)), "alpha");
        assert_eq!(
            test_file_name("my-crate::bin/x", None, None),
            "my-crate__bin_x"
        );
    }

    #[test]
    fn cargos_hash_is_not_part_of_the_binary() {
        assert_eq!(without_hash("quick_cache-e30ae37f721661a7"), "quick_cache");
        assert_eq!(without_hash("my-tool"), "my-tool");
        assert_eq!(without_hash("integration-tests"), "integration-tests");
    }

    #[test]
    fn placeholders_expand() {
        let p = expand("/tmp/t-{pid}-{test}.jsonl", 42, "mytest");
        assert_eq!(p, PathBuf::from("/tmp/t-42-mytest.jsonl"));
    }

    #[test]
    fn a_directory_gets_a_file_per_pid() {
        let dir = tempfile::tempdir().unwrap();
        let p = expand(dir.path().to_str().unwrap(), 7, "x");
        assert_eq!(p, dir.path().join("lockscope-7.lsb"));
        assert_eq!(expand("out/", 7, "x"), PathBuf::from("out/lockscope-7.lsb"));
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_330_244, 123), "2026-11-22T06:50:44.123Z");
    }
}
