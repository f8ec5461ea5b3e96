//! A small Chrome DevTools Protocol client for the browser tests: headless
//! Chromium driven over `--remote-debugging-pipe`.
//!
//! The pipe transport is the DevTools protocol with no network in between:
//! Chromium reads commands from its file descriptor 3 and writes replies and
//! events to descriptor 4, each message one JSON object ended by a NUL byte.
//! So the tests need no WebSocket, HTTP client or async runtime, and the
//! browser opens no port.
//!
//! Every wait is bounded; a browser that stops answering fails the test
//! instead of hanging it, and the browser is killed when the value drops.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// How long one protocol call or wait may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The Chromium to drive: `$LOCKSCOPE_CHROMIUM`, else the first of the
/// usual names on `PATH`, else Debian's `/usr/bin/chromium`.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LOCKSCOPE_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome-stable",
        "google-chrome",
    ];
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file())
}

/// What the page did besides drawing: its requests and its errors.
#[derive(Debug, Default)]
pub struct Observed {
    /// Every URL the page requested (the page itself included).
    pub requests: Vec<String>,
    /// Console errors, uncaught exceptions and error log entries.
    pub errors: Vec<String>,
}

/// A headless Chromium with one page.
pub struct Browser {
    child: Child,
    commands: File,
    replies: Receiver<Value>,
    next_id: u64,
    session: String,
    pub observed: Observed,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `chromium` headless with a fresh profile and opens a blank page
    /// `width` x `height` CSS pixels large.
    pub fn launch(chromium: &Path, width: u32, height: u32) -> Result<Browser, String> {
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (to_browser_read, to_browser_write) = pipe()?;
        let (from_browser_read, from_browser_write) = pipe()?;
        let mut cmd = Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--mute-audio",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: the closure runs in the child between fork and exec and
        // only calls fcntl, dup2 and close, which are async-signal-safe; it
        // allocates nothing and touches no lock.
        unsafe {
            cmd.pre_exec(move || {
                // Move both ends above 2..4 first, so placing one on 3 cannot
                // close the other; dup2 clears close-on-exec on 3 and 4.
                let read = libc::fcntl(to_browser_read, libc::F_DUPFD, 10);
                let write = libc::fcntl(from_browser_write, libc::F_DUPFD, 10);
                if read < 0 || write < 0 || libc::dup2(read, 3) < 0 || libc::dup2(write, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(read);
                libc::close(write);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("{}: cannot start: {e}", chromium.display()))?;
        // SAFETY: each descriptor came from pipe2 above, is open, and is owned
        // by exactly one File from here on (the child has its own copies).
        let (commands, replies_file) = unsafe {
            close(to_browser_read);
            close(from_browser_write);
            (
                File::from_raw_fd(to_browser_write),
                File::from_raw_fd(from_browser_read),
            )
        };
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(replies_file);
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                buf.clear();
            }
        });
        let mut b = Browser {
            child,
            commands,
            replies,
            next_id: 0,
            session: String::new(),
            observed: Observed::default(),
            _profile: profile,
        };
        let target = b.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target = target["targetId"].as_str().ok_or("no targetId")?.to_owned();
        let attached = b.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )?;
        b.session = attached["sessionId"]
            .as_str()
            .ok_or("no sessionId")?
            .to_owned();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            b.page(&format!("{domain}.enable"), json!({}))?;
        }
        b.page(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        Ok(b)
    }

    /// Sends `method` (to the page's session, or to the browser when
    /// `session` is `None`) and waits for its reply, recording the events
    /// that arrive meanwhile.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).map_err(|e| e.to_string())?;
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .map_err(|e| format!("{method}: the browser went away: {e}"))?;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let v = self.next_message(deadline, method)?;
            if v["id"].as_u64() == Some(id) {
                if let Some(err) = v.get("error") {
                    return Err(format!("{method}: {err}"));
                }
                return Ok(v["result"].clone());
            }
        }
    }

    /// A call on the page's session.
    pub fn page(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        self.call(Some(&session), method, params)
    }

    fn next_message(&mut self, deadline: Instant, waiting_for: &str) -> Result<Value, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.replies.recv_timeout(left) {
            Ok(v) => {
                self.observe(&v);
                Ok(v)
            }
            Err(RecvTimeoutError::Timeout) => {
                Err(format!("{waiting_for}: no answer in {TIMEOUT:?}"))
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(format!("{waiting_for}: the browser exited"))
            }
        }
    }

    /// Records requests and errors from an event.
    fn observe(&mut self, v: &Value) {
        let p = &v["params"];
        match v["method"].as_str() {
            Some("Network.requestWillBeSent") => {
                self.observed
                    .requests
                    .push(p["request"]["url"].as_str().unwrap_or_default().to_owned());
            }
            Some("Runtime.exceptionThrown") => {
                let d = &p["exceptionDetails"];
                self.observed.errors.push(format!(
                    "exception: {} {}",
                    d["text"], d["exception"]["description"]
                ));
            }
            Some("Runtime.consoleAPICalled")
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                self.observed
                    .errors
                    .push(format!("console.{}: {}", p["type"], p["args"]));
            }
            Some("Log.entryAdded") if p["entry"]["level"] == "error" => {
                self.observed
                    .errors
                    .push(format!("log: {}", p["entry"]["text"]));
            }
            _ => {}
        }
    }

    /// Opens `url` and waits for its load event.
    pub fn navigate(&mut self, url: &str) -> Result<(), String> {
        let r = self.page("Page.navigate", json!({ "url": url }))?;
        if let Some(e) = r.get("errorText") {
            return Err(format!("{url}: {e}"));
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let v = self.next_message(deadline, "Page.loadEventFired")?;
            if v["method"] == "Page.loadEventFired" {
                return Ok(());
            }
        }
    }

    /// The value of the JavaScript expression `expr` in the page (promises
    /// awaited); an exception is an error.
    pub fn eval(&mut self, expr: &str) -> Result<Value, String> {
        let r = self.page(
            "Runtime.evaluate",
            json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(format!("{expr}: {}", e["exception"]["description"]));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Waits until `expr` is truthy.
    pub fn wait_for(&mut self, expr: &str) -> Result<(), String> {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            let v = self.eval(&format!("!!({expr})"))?;
            if v == Value::Bool(true) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("waited {TIMEOUT:?} for {expr}"))
    }

    /// Saves a PNG of the element `selector` (the whole page when `None`).
    pub fn screenshot(&mut self, selector: Option<&str>, path: &Path) -> Result<(), String> {
        let area = match selector {
            Some(sel) => {
                let r = self.eval(&format!(
                    "(() => {{ const r = document.querySelector({}).getBoundingClientRect(); \
                     return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }})()",
                    Value::String(sel.to_owned())
                ))?;
                let n = |i: usize| r[i].as_f64().unwrap_or(0.0);
                json!({ "x": n(0), "y": n(1), "width": n(2).max(1.0), "height": n(3).max(1.0), "scale": 1 })
            }
            None => {
                let r = self.eval(
                    "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]",
                )?;
                json!({ "x": 0, "y": 0, "width": r[0], "height": r[1], "scale": 1 })
            }
        };
        let shot = self.page(
            "Page.captureScreenshot",
            json!({ "format": "png", "clip": area, "captureBeyondViewport": true }),
        )?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call(None, "Browser.close", json!({}));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A pipe whose two ends close on exec (the child gets its copies through
/// `dup2` only).
fn pipe() -> Result<(RawFd, RawFd), String> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` is a valid array of two descriptors for pipe2 to fill.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc != 0 {
        return Err(format!("pipe2: {}", std::io::Error::last_os_error()));
    }
    Ok((fds[0], fds[1]))
}

/// Closes a descriptor this process no longer needs.
///
/// # Safety
/// `fd` must be open and owned by no other value.
unsafe fn close(fd: RawFd) {
    // SAFETY: the caller guarantees `fd` is open and unowned.
    unsafe {
        libc::close(fd);
    }
}
