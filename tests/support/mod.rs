//! Shared test plumbing: fixtures → files on disk → a run (in-process, or of the real binary where
//! the process itself is under test) → a snapshot-able text.

#![allow(dead_code)]

#[cfg(feature = "azure")]
pub mod azurite;
pub mod run;
pub mod validate;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

pub use run::{run_in, spawn_in, Run, BIN};

fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

/// One fixture file: its name (the file stem) and its JSON.
pub fn load_fixture(path: &Path) -> (String, Value) {
    let name = path
        .file_stem()
        .expect("fixture file name")
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let fx = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    (name, fx)
}

/// Every fixture of a kind (`valid`, `invalid`), sorted by name.
pub fn fixtures(kind: &str) -> Vec<(String, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir(kind))
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load_fixture(p)).collect()
}

/// The fixture `tests/fixtures/<kind>/<name>.json`.
pub fn fixture(kind: &str, name: &str) -> Value {
    load_fixture(&fixture_dir(kind).join(format!("{name}.json"))).1
}

/// UTF-16LE as Azure Backup writes the config blob: optionally with a byte-order mark, and
/// followed by `nuls` NUL code units of padding.
pub fn utf16le(text: &str, bom: bool, nuls: usize) -> Vec<u8> {
    let mut b = if bom { vec![0xFF, 0xFE] } else { vec![] };
    for u in text.encode_utf16() {
        b.extend_from_slice(&u.to_le_bytes());
    }
    b.extend(std::iter::repeat_n(0u8, nuls * 2));
    b
}

/// Encode text the way the fixture says Azure wrote it.
pub fn encode(text: &str, encoding: &str) -> Vec<u8> {
    match encoding {
        "utf8" => text.as_bytes().to_vec(),
        "utf8-bom" => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        "utf16le" => utf16le(text, false, 0),
        "utf16le-bom" => utf16le(text, true, 0),
        "utf16le-nul" => utf16le(text, false, 16),
        "utf16le-bom-nul" => utf16le(text, true, 16),
        // As the real managed-disk restore's blob (aollivierre/Azure @8633274c, S19): no BOM,
        // CRLF line ends, NUL-padded to a page blob's 512-byte multiple.
        "utf16le-crlf-page" => {
            let mut b = utf16le(&text.replace('\n', "\r\n"), false, 0);
            b.resize(b.len().div_ceil(512) * 512, 0);
            b
        }
        other => panic!("unknown encoding {other}"),
    }
}

/// A fixture laid out as files in a fresh folder; arguments are relative to it.
pub struct Laid {
    pub dir: tempfile::TempDir,
    pub source_args: Vec<String>,
    pub extra_args: Vec<String>,
}

impl Laid {
    /// `cmd`, then the fixture's source arguments, then its own extra arguments.
    pub fn args(&self, cmd: &[&str]) -> Vec<String> {
        let mut a = self.args_without_extra(cmd);
        a.extend(self.extra_args.iter().cloned());
        a
    }

    /// `cmd`, then the fixture's source arguments only.
    pub fn args_without_extra(&self, cmd: &[&str]) -> Vec<String> {
        cmd.iter()
            .map(|s| s.to_string())
            .chain(self.source_args.iter().cloned())
            .collect()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

pub fn lay_out(fx: &Value) -> Laid {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut source_args = Vec::new();
    let encoding = fx["encoding"].as_str().unwrap_or("utf8");
    let config_bytes = if let Some(raw) = fx.get("config_raw").and_then(Value::as_str) {
        Some(raw.as_bytes().to_vec())
    } else if let Some(b64) = fx.get("config_base64").and_then(Value::as_str) {
        Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("config_base64 is base64"),
        )
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
    if !fx["template"].is_null() {
        std::fs::write(
            dir.path().join("azuredeploy.json"),
            serde_json::to_string_pretty(&fx["template"]).expect("json"),
        )
        .expect("write template");
        source_args.extend(["--template".to_owned(), "azuredeploy.json".to_owned()]);
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

/// Owned arguments from string literals.
pub fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// All regular files under `dir`, recursively, sorted, with their text.
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

/// Assert `text` against `snapshots/<name>.snap`. Under `insta::glob!` the fixture file is recorded
/// as the snapshot's `input_file`, but the name stays `<kind>__<fixture>__<output>`, so a
/// fixture's snapshots sit together and keep the names their history has.
pub fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.remove_snapshot_suffix();
    settings.bind(|| insta::assert_snapshot!(name, text));
}
