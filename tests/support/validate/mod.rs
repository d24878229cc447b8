//! Checks of the generated outputs that this project did not write: the official ARM schemas,
//! Microsoft's ARM expression parser, a PowerShell grammar, and the Az modules' own cmdlet help.
//! Snapshots say an output did not change; these say it is right.

pub mod arm_expr;
pub mod arm_schema;
pub mod az_help;
pub mod coverage;
pub mod idempotence;
pub mod nics;
pub mod optional;
pub mod powershell;
pub mod prepare;
pub mod printed;
pub mod staging;

use std::path::{Path, PathBuf};

/// Copies of the schemas and help files the checks read, kept in the repository so that a fresh
/// clone can run every test offline; `tests/data/PROVENANCE.md` says where each file came from.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}
