//! One module per subcommand: each reads its inputs through the input layer, builds the model,
//! and writes its product to `out` and what to do next to `err`.

pub mod check;
pub mod generate;
pub mod inspect;

use std::io::{self, Write};

use crate::cli::{DeployArgs, SourceArgs};
use crate::error::{Code, Error, Errors};
use crate::model::{Inputs, Restore};

/// Read every input and build the model.
pub fn load(sources: &SourceArgs, deploy: &DeployArgs) -> Result<(Inputs, Restore), Errors> {
    let inputs = read(sources, deploy)?;
    let restore = crate::model::build(&inputs)?;
    Ok((inputs, restore))
}

fn read(sources: &SourceArgs, deploy: &DeployArgs) -> Result<Inputs, Errors> {
    crate::input::read::read(&sources.request(), crate::cli::overrides(sources, deploy))
}

/// Whether the product reached standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emitted {
    Written,
    /// The reader went away (`| head`): as with any Unix filter, that is the reader's choice and
    /// not an error, but there is no one left to read the next steps either.
    ReaderGone,
}

/// Write the product to standard output.
pub fn emit(w: &mut dyn Write, text: &str) -> Result<Emitted, Errors> {
    match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
        Ok(()) => Ok(Emitted::Written),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Emitted::ReaderGone),
        Err(e) => Err(Error::new(Code::FileSystem, "cannot write to standard output")
            .cause(e.to_string())
            .help("check where standard output goes (a closed descriptor or a full disk), or use `--out DIR`")
            .into()),
    }
}

/// Standard output for the product. Rust's `Stdout` reports success when descriptor 1 is closed
/// (`>&-`), so a run would say "done" with the product gone; a closed descriptor is detected here
/// and every write to it fails instead.
pub fn stdout() -> Box<dyn Write> {
    if stdout_is_open() {
        Box::new(io::stdout().lock())
    } else {
        Box::new(Closed)
    }
}

#[cfg(unix)]
fn stdout_is_open() -> bool {
    use std::os::fd::AsFd;
    // Duplicating a closed descriptor fails with EBADF; an open one is duplicated and dropped.
    io::stdout().as_fd().try_clone_to_owned().is_ok()
}

#[cfg(not(unix))]
fn stdout_is_open() -> bool {
    true
}

struct Closed;

impl Write for Closed {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("standard output is closed"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Err(io::Error::other("standard output is closed"))
    }
}

/// A line for the operator on stderr. Values in it may come from the inputs, so control
/// characters are shown escaped. Stderr failing has nowhere to be reported.
fn say(err: &mut dyn Write, s: &str) {
    let _ = writeln!(err, "{}", crate::error::shown(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken(io::ErrorKind);
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_reader_that_left_is_not_an_error_but_a_failed_write_is() {
        assert_eq!(
            emit(&mut Broken(io::ErrorKind::BrokenPipe), "x").ok(),
            Some(Emitted::ReaderGone)
        );
        let e = emit(&mut Broken(io::ErrorKind::StorageFull), "x").expect_err("full");
        assert_eq!(e.exit_code(), 3);
        let e = emit(&mut Closed, "x").expect_err("closed");
        assert_eq!(e.0[0].code, Code::FileSystem);
    }
}
