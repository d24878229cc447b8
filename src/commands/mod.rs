//! One module per subcommand: each reads its inputs through the input layer, builds the model,
//! and writes its product to `out` and what to do next to `err`.

pub mod batch;
pub mod check;
pub mod docs;
pub mod generate;
pub mod inspect;
pub mod jobs;

use std::io::{self, Write};
#[cfg(target_os = "linux")]
use std::path::Path;

use crate::cli::{DeployArgs, SourceArgs};
use crate::error::{Code, Error, Errors};
use crate::input::Inputs;
use crate::model::Restore;

/// Read every input and build the model.
pub fn load(sources: &SourceArgs, deploy: &DeployArgs) -> Result<(Inputs, Restore), Errors> {
    let inputs = read(sources, deploy)?;
    let restore = crate::model::build(&inputs)?;
    Ok((inputs, restore))
}

fn read(sources: &SourceArgs, deploy: &DeployArgs) -> Result<Inputs, Errors> {
    let overrides = crate::cli::overrides(sources, deploy);
    if sources.vault.vault.is_some() {
        let Some(id) = sources.job_id.as_deref() else {
            return Err(Error::new(Code::Usage, "`--vault` needs `--job-id` here")
                .help("pass `--job-id`; `restore-deploy jobs --vault <name> --resource-group <group>` lists the vault's restore jobs")
                .into());
        };
        // The job resource read from the vault goes on exactly as a `--job` file of the same
        // content: parsed the same way, its blobs located and read by the same rules.
        let (client, vault) = jobs::connect(&sources.vault, sources.auth)?;
        let loaded = client.job(&vault, id)?;
        let job = crate::input::read::parse_job(&loaded)?;
        return crate::input::read::read_with_job(&sources.request(), Some(job), overrides);
    }
    crate::input::read::read(&sources.request(), overrides)
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

/// Standard output for the product. When the parent closed descriptor 1 (`>&-`), Rust's runtime
/// reopens it on `/dev/null` before `main`, so every write "succeeds" and a run would say done
/// with the product gone. Such a descriptor is detected here and every write to it fails instead.
pub fn stdout() -> Box<dyn Write> {
    if stdout_was_closed() {
        Box::new(Closed)
    } else {
        Box::new(io::stdout().lock())
    }
}

/// The runtime opens its `/dev/null` stand-in read-write; a shell's `>/dev/null` opens it
/// write-only. So `/dev/null` read-write on descriptor 1 means the parent closed it. (`1<>/dev/null`
/// is read the same way; nobody writes a product that way on purpose.)
#[cfg(target_os = "linux")]
fn stdout_was_closed() -> bool {
    let is_null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|p| p == Path::new("/dev/null"));
    is_null
        && std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                .is_some_and(|flags| flags & 0o3 == 0o2)
        })
}

#[cfg(not(target_os = "linux"))]
fn stdout_was_closed() -> bool {
    false
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
