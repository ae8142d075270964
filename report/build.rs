//! Records the version of the compiler that builds the report, for the
//! metadata of its output.

use std::env;
use std::process::Command;

fn main() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map_or_else(
            || "rustc (unknown version)".into(),
            |v| v.trim().to_string(),
        );
    println!("cargo:rustc-env=STACKSLOT_REPORT_RUSTC={version}");
    println!("cargo:rerun-if-changed=build.rs");
}
