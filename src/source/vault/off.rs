//! Without the `azure` feature there is no HTTP stack: every vault request is refused with the
//! way round it (the job exported by hand).

use chrono::{DateTime, Utc};

use super::{Listing, VaultRef};
use crate::error::{Code, Error, Result};
use crate::source::{Auth, Loaded};

pub struct Client;

fn not_built() -> Error {
    Error::new(
        Code::RecoveryVaultSupportNotBuilt,
        "this build of restore-deploy cannot read jobs from a Recovery Services vault",
    )
}

impl Client {
    pub fn new(_endpoint: url::Url, _auth: Auth) -> Result<Client> {
        Err(not_built())
    }
    pub fn job(&self, _vault: &VaultRef, _id: &str) -> Result<Loaded> {
        Err(not_built())
    }
    pub fn jobs(
        &self,
        _vault: &VaultRef,
        ids: &[String],
        _concurrency: usize,
    ) -> Vec<Result<Loaded>> {
        ids.iter().map(|_| Err(not_built())).collect()
    }
    pub fn list(
        &self,
        _vault: &VaultRef,
        _start: DateTime<Utc>,
        _end: DateTime<Utc>,
    ) -> Result<Listing> {
        Err(not_built())
    }
}
