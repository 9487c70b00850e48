//! Running python3 as an independent implementation to check against: the cross-check tests
//! write their cases to a fresh directory, run a script over it, and read back its output.
//! Native only (there is no process to spawn under wasm).
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether python3 can `import module`; when not, see [`missing`].
pub fn python_with(module: &str) -> bool {
    let ok = Command::new("python3").arg("-c").arg(format!("import {module}")).status().is_ok_and(|s| s.success());
    if !ok {
        missing(&format!("python3 with {module}"));
    }
    ok
}

/// A cross-check's external program is missing: the test says SKIPPED (so a skip is visible)
/// and returns, except under CI=true, where scripts/setup.sh installed everything: it fails.
pub fn missing(what: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{what} not found, and CI=true: a missing dependency fails there (scripts/setup.sh installs it)");
    }
    println!("SKIPPED: {what} not found");
}

/// Runs `script` with the case directory and `args` as its arguments; it must succeed.
pub fn run_python(script: &str, dir: &Path, args: &[&str]) {
    let status = Command::new("python3").arg("-c").arg(script).arg(dir).args(args).status().unwrap();
    assert!(status.success(), "python script failed");
}

/// An empty directory of its own per test process.
pub fn tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmsocket-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
