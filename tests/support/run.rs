//! Two ways to run `restore-deploy ARGS` in a folder, giving the same `Run`: in-process through the
//! library (every case that is about what the tool decides and writes), and as the real binary
//! (the process contract: exit status, standard input, environment variables).

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use clap::{CommandFactory, FromArgMatches};
use restore_deploy::cli::Cli;

pub const BIN: &str = env!("CARGO_BIN_EXE_restore-deploy");

/// Options whose value is a path the binary would resolve against its working directory.
const PATH_OPTIONS: &[&str] = &[
    "--config",
    "--job",
    "--encryption-info",
    "--template",
    "--out",
    "--config-dir",
];

/// Options that take every following value up to the next option, each a path.
const PATH_LISTS: &[&str] = &["--jobs"];

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub args: Vec<String>,
}

impl Run {
    pub fn header(&self) -> String {
        format!(
            "$ restore-deploy {}\nexit: {}\n",
            self.args.join(" "),
            self.code
        )
    }
}

/// What `restore-deploy ARGS` run in `dir` prints and returns, computed in this process: the same
/// parse, the same `run`, and stderr as `main` writes it.
///
/// Test threads share one working directory, so relative paths in `args` are made absolute under
/// `dir`, and `dir/` is taken back out of what the run prints: the result reads as the binary's
/// would. Environment variables the CLI would read (`AZURE_STORAGE_SAS_TOKEN`) are ignored, so the
/// shell that runs the tests cannot change their outcome; `spawn_with` is for tests of those.
pub fn run_in(dir: &Path, args: &[String]) -> Run {
    let absolute = paths_under(dir, args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = match parse(&absolute) {
        Err(e) => {
            let text = e.render().to_string();
            if e.use_stderr() {
                err.extend_from_slice(text.as_bytes());
            } else {
                out.extend_from_slice(text.as_bytes());
            }
            e.exit_code()
        }
        Ok(cli) => match restore_deploy::run(cli, &mut out, &mut err) {
            Ok(()) => 0,
            Err(errors) => {
                err.extend_from_slice(format!("{errors}").as_bytes());
                i32::from(errors.exit_code())
            }
        },
    };
    let shown = |bytes: Vec<u8>, stream: &str| {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{stream} is not UTF-8"));
        let dir = dir.display().to_string();
        let text = text.replace(&format!("{dir}/"), "");
        assert!(
            !text.contains(&dir),
            "{stream} names the test folder other than as a path prefix:\n{text}"
        );
        text
    };
    Run {
        code,
        stdout: shown(out, "stdout"),
        stderr: shown(err, "stderr"),
        args: args.to_vec(),
    }
}

fn paths_under(dir: &Path, args: &[String]) -> Vec<String> {
    let under = |value: &str| -> String {
        assert!(
            value != "-",
            "standard input is the test harness's in-process: use `spawn_in`"
        );
        let lower = value.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return value.to_owned();
        }
        dir.join(value).display().to_string()
    };
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if let Some((opt, value)) = a.split_once('=') {
            if PATH_OPTIONS.contains(&opt) {
                out.push(format!("{opt}={}", under(value)));
                continue;
            }
        }
        out.push(a.clone());
        if PATH_OPTIONS.contains(&a.as_str()) {
            if let Some(value) = iter.next() {
                out.push(under(value));
            }
        }
        if PATH_LISTS.contains(&a.as_str()) {
            while let Some(value) = iter.as_slice().first().filter(|v| !v.starts_with("--")) {
                out.push(under(value));
                iter.next();
            }
        }
    }
    out
}

/// The CLI's own parser with every environment fallback switched off.
fn parse(args: &[String]) -> Result<Cli, clap::Error> {
    let cmd = without_env(Cli::command());
    let matches = cmd.try_get_matches_from(
        std::iter::once("restore-deploy".to_owned()).chain(args.iter().cloned()),
    )?;
    Cli::from_arg_matches(&matches)
}

fn without_env(mut cmd: clap::Command) -> clap::Command {
    let with_env: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.get_env().is_some())
        .map(|a| a.get_id().to_string())
        .collect();
    for id in with_env {
        cmd = cmd.mut_arg(id, |a| a.env(None));
    }
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subcommands {
        cmd = cmd.mut_subcommand(name, without_env);
    }
    cmd
}

/// The real binary run in `dir`, with the SAS variable cleared so the caller's shell cannot
/// change the outcome.
pub fn spawn_in(dir: &Path, args: &[String]) -> Run {
    spawn_with(dir, args, &[])
}

/// The real binary run in `dir`, with these environment variables set.
pub fn spawn_with(dir: &Path, args: &[String], env: &[(&str, &OsStr)]) -> Run {
    let o = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("AZURE_STORAGE_SAS_TOKEN")
        .envs(env.iter().copied())
        .output()
        .expect("binary runs");
    Run {
        code: o
            .status
            .code()
            .expect("exited, not killed by a signal (a panic exits 101)"),
        stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        args: args.to_vec(),
    }
}
