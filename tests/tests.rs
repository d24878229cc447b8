//! The one integration-test binary (ripgrep's layout): every test runs the real `restore-deploy`
//! binary on inputs written to a temporary folder.

#[cfg(feature = "azure")]
mod blob;
mod bundle;
mod cases;
mod cli;
mod properties;
mod support;
mod validation;
