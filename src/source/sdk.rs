//! What the blob and the Recovery Services vault clients share of the Azure SDK: the TLS
//! provider, the Entra ID credential `--auth` names, and the innermost cause of an SDK error.

use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::error::ErrorKind;

use super::{scrub, Auth};
use crate::error::Error;

/// `err` with the innermost cause of the SDK error `e` added under its outer one, when it says
/// something the outer message does not: the SDK's outer message ("retry policy expired…")
/// hides what went wrong, the innermost ("Connection refused", "failed to lookup address", "az
/// not found on PATH") says it. The blob and the Recovery Services vault clients both use it.
pub(crate) fn with_innermost(mut err: Error, e: &azure_core::Error) -> Error {
    let mut innermost = None;
    let mut inner = std::error::Error::source(e);
    while let Some(s) = inner {
        innermost = Some(scrub(&s.to_string()));
        inner = s.source();
    }
    let said = err.causes.join("\n");
    if let Some(m) = innermost.filter(|m| !m.trim().is_empty() && !said.contains(m.as_str())) {
        err = err.cause(m);
    }
    err
}

/// rustls' process-wide crypto provider: ring (Cargo.toml says why not the SDK's aws-lc-rs).
/// reqwest is built with `rustls-no-provider`, so it panics if a client is built before a provider
/// is installed; every HTTP client of this crate is built after this ran: the blob session, every
/// credential (managed identity and client secret make their own clients) and the vault's
/// pipeline. Installing twice (or after another caller of the library did) is harmless.
pub(crate) fn install_tls_provider() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub(crate) fn credential(auth: Auth) -> azure_core::Result<Arc<dyn TokenCredential>> {
    install_tls_provider();
    Ok(match auth {
        Auth::Cli => azure_identity::AzureCliCredential::new(None)?,
        Auth::ManagedIdentity => azure_identity::ManagedIdentityCredential::new(None)?,
        Auth::WorkloadIdentity => azure_identity::WorkloadIdentityCredential::new(None)?,
        Auth::ClientSecret => {
            let var = |k: &str| {
                std::env::var(k).map_err(|_| {
                    azure_core::Error::with_message(
                        ErrorKind::Credential,
                        format!("`{k}` is not set"),
                    )
                })
            };
            let tenant = var("AZURE_TENANT_ID")?;
            let client = var("AZURE_CLIENT_ID")?;
            let secret = var("AZURE_CLIENT_SECRET")?;
            azure_identity::ClientSecretCredential::new(&tenant, client, Secret::new(secret), None)?
        }
    })
}
