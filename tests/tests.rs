//! The one integration-test binary (ripgrep's layout): the case matrix, the independent checks of
//! every output, the help pages and the command-line contract.

mod batch;
#[cfg(feature = "azure")]
mod blob;
mod cases;
mod cli;
mod data_coverage;
mod help;
#[cfg(feature = "azure")]
mod hostile_blob;
mod properties;
mod support;
mod validation;
