//! Shared test plumbing: fixtures → files on disk → a run of the binary → a snapshot-able text.

#![allow(dead_code)]

#[cfg(feature = "azure")]
pub mod azurite;
pub mod validate;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_restore-deploy");

pub fn fixtures(kind: &str) -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            let v = serde_json::from_str(&std::fs::read_to_string(&p).expect("read"))
                .expect("fixture is JSON");
            (name, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Encode text the way the fixture says Azure wrote it.
pub fn encode(text: &str, encoding: &str) -> Vec<u8> {
    let utf16 = |bom: bool, nuls: usize| {
        let mut b = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in text.encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b.extend(std::iter::repeat_n(0u8, nuls * 2));
        b
    };
    match encoding {
        "utf8" => text.as_bytes().to_vec(),
        "utf8-bom" => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        "utf16le" => utf16(false, 0),
        "utf16le-bom" => utf16(true, 0),
        "utf16le-nul" => utf16(false, 16),
        "utf16le-bom-nul" => utf16(true, 16),
        other => panic!("unknown encoding {other}"),
    }
}

/// A fixture laid out as files in a fresh folder; arguments are relative to it.
pub struct Laid {
    pub dir: tempfile::TempDir,
    pub source_args: Vec<String>,
    pub extra_args: Vec<String>,
}

pub fn lay_out(fx: &Value) -> Laid {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut source_args = Vec::new();
    let encoding = fx["encoding"].as_str().unwrap_or("utf8");
    let config_bytes = if let Some(raw) = fx.get("config_raw").and_then(Value::as_str) {
        Some(raw.as_bytes().to_vec())
    } else if let Some(b64) = fx.get("config_base64").and_then(Value::as_str) {
        Some(base64_decode(b64))
    } else {
        match &fx["config"] {
            Value::Null => None,
            v => Some(encode(
                &serde_json::to_string_pretty(v).expect("json"),
                encoding,
            )),
        }
    };
    if let Some(b) = config_bytes {
        std::fs::write(dir.path().join("config.json"), b).expect("write config");
        source_args.extend(["--config".to_owned(), "config.json".to_owned()]);
    }
    if !fx["job"].is_null() {
        std::fs::write(
            dir.path().join("job.json"),
            serde_json::to_string_pretty(&fx["job"]).expect("json"),
        )
        .expect("write job");
        source_args.extend(["--job".to_owned(), "job.json".to_owned()]);
    }
    if !fx["encryption_info"].is_null() {
        std::fs::write(
            dir.path().join("encryption-info.json"),
            serde_json::to_string_pretty(&fx["encryption_info"]).expect("json"),
        )
        .expect("write");
        source_args.extend([
            "--encryption-info".to_owned(),
            "encryption-info.json".to_owned(),
        ]);
    }
    let extra_args = fx["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().expect("string arg").to_owned())
                .collect()
        })
        .unwrap_or_default();
    Laid {
        dir,
        source_args,
        extra_args,
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = T.iter().position(|t| *t == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub args: Vec<String>,
}

pub fn run_in(dir: &Path, args: &[String]) -> Run {
    let o = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("AZURE_STORAGE_SAS_TOKEN")
        .output()
        .expect("binary runs");
    Run {
        code: o
            .status
            .code()
            .expect("exited, not killed by a signal (a panic exits 101)"),
        stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        args: args.to_vec(),
    }
}

impl Run {
    pub fn header(&self) -> String {
        format!(
            "$ restore-deploy {}\nexit: {}\n",
            self.args.join(" "),
            self.code
        )
    }
}

/// All regular files under `dir/sub`, sorted, with their text.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd {
            let p = e.expect("entry").path();
            if p.is_file() {
                out.push((p.clone(), std::fs::read_to_string(&p).expect("text file")));
            } else if p.is_dir() {
                out.extend(files_under(&p));
            }
        }
    }
    out.sort();
    out
}

// The tests' own quoting oracle lives with the PowerShell checks; ARM unescaping with the
// expression checks.
pub use validate::arm_expr::arm_unescape;
pub use validate::powershell::ps_quote;

pub fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}
