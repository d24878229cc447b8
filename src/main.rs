//! `restore-deploy`: parse the command line, run, map the result to an exit status
//! (0 done, 1 input rejected, 2 usage, 3 environment).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = restore_deploy::cli::Cli::parse();
    let mut err = std::io::stderr().lock();
    match restore_deploy::run(cli, &mut restore_deploy::commands::stdout(), &mut err) {
        Ok(()) => ExitCode::SUCCESS,
        Err(errors) => {
            let _ = write!(err, "{errors}");
            ExitCode::from(errors.exit_code())
        }
    }
}
