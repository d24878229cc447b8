//! What every builder shares and nothing else: [`Problems`], where each problem found is
//! collected so all are reported at once; [`Config`], the raw VM as the builders read it; and the
//! Azure-spelled JSON paths the messages point at. It imports no builder, so every builder can
//! import it.

use crate::error::{Code, Error};
use crate::input::config::RawVm;
use crate::model::provenance::By;

/// Collects problems with their source, so all are reported together.
pub(super) struct Problems {
    pub list: Vec<Error>,
}

impl Problems {
    pub fn new() -> Self {
        Problems { list: Vec::new() }
    }
    pub fn add(
        &mut self,
        code: Code,
        message: impl Into<String>,
        source: Option<&str>,
        at: Option<String>,
        help: impl Into<String>,
    ) {
        let mut e = Error::new(code, message)
            .doing("validating the restore")
            .help(help);
        if let Some(s) = source {
            e = e.source(s);
        }
        if let Some(a) = at {
            e = e.at(a);
        }
        self.list.push(e);
    }
}

/// The config blob as validation reads it: the VM and where it came from. Without a config the
/// VM is empty, so every field reads as missing and is reported as such.
#[derive(Clone, Copy)]
pub(super) struct Config<'a> {
    pub vm: &'a RawVm,
    pub origin: Option<&'a str>,
}

impl Config<'_> {
    pub fn by(&self, path: impl Into<String>) -> By {
        By::Config {
            origin: self.origin.unwrap_or("-").to_owned(),
            path: path.into(),
        }
    }
}

pub(super) const OS_DISK: &str = "$.properties.storageProfile.osDisk";

pub(super) fn data_disk_path(i: usize) -> String {
    format!("$.properties.storageProfile.dataDisks[{i}]")
}

pub(super) fn enc_path() -> String {
    format!("{OS_DISK}.encryptionSettings")
}
