//! The one integration-test binary (ripgrep's layout). Tests run the library in-process on inputs
//! written to a temporary folder; the real `restore-deploy` binary runs only where the process is
//! what is tested (exit status, standard input, environment variables).

#[cfg(feature = "azure")]
mod blob;
mod cases;
mod cli;
mod properties;
mod support;
mod validation;
