//! Checks of the generated outputs that this project did not write: the official ARM schemas,
//! Microsoft's ARM expression parser, a PowerShell grammar, and the Az modules' own cmdlet help.
//! Snapshots say an output did not change; these say it is right.

pub mod arm_expr;
pub mod arm_schema;
pub mod az_help;
pub mod powershell;

use std::path::PathBuf;

/// `shared/` beside the checkout (CI lays a copy there); `RESTORE_DEPLOY_SHARED` overrides it.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("RESTORE_DEPLOY_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")),
    }
}
