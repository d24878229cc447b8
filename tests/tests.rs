//! The one integration-test binary (ripgrep's layout). Tests run the library in-process on inputs
//! written to a temporary folder; the real `restore-deploy` binary runs only where the process is
//! what is tested (exit status, standard input, environment variables).

mod agreement;
mod batch;
#[cfg(feature = "azure")]
mod blob;
mod bundle;
mod cases;
mod cli;
mod data_coverage;
mod docs;
mod fields;
mod fixture_sources;
mod help;
#[cfg(feature = "azure")]
mod hostile_blob;
mod inspect_json;
mod layers;
mod prepare;
mod properties;
mod support;
mod validation;
#[cfg(feature = "azure")]
mod vault;
mod wrong_slot;
