//! `check`: offline checks of the key references and the recovery point time, every problem
//! listed in one run.

use std::io::Write;

use crate::cli::CheckArgs;
use crate::error::{Code, Error, Errors};
use crate::format::arm::template_allowed;
use crate::model::time::{self, TemplateSupport};
use crate::model::Encryption;

pub fn run(a: &CheckArgs, out: &mut dyn Write) -> Result<(), Errors> {
    let inputs = super::read(&a.sources, &a.deploy)?;
    match crate::model::build(&inputs) {
        Ok(r) => {
            let arm = a.format == crate::cli::Format::Arm;
            if arm {
                template_allowed(r.recovery_point.as_ref())
                    .map_err(|e| e.doing("checking the recovery point for `--format arm`"))?;
            }
            let date = if arm {
                "the recovery point time allows an ARM template"
            } else {
                "a PowerShell script takes any recovery point"
            };
            let what = match &r.encryption {
                Encryption::None { .. } => format!("the VM is not encrypted; {date}"),
                Encryption::Ade(_) => format!("the key references are well-formed, versioned https URLs in vaults of the VM's subscription, and {date}"),
            };
            super::emit(out, &format!("ok: {what}\n")).map(|_| ())
        }
        Err(mut errors) => {
            // The model refused the input before reaching the date; add the date rule's verdict
            // from the raw time so one run lists every problem.
            if a.format == crate::cli::Format::Arm
                && !errors
                    .0
                    .iter()
                    .any(|e| e.code == Code::InvalidRecoveryPointTime)
            {
                let at = match inputs.recovery_point_time().map(|t| time::parse(t.raw())) {
                    Some(Ok(t)) => Some(t),
                    Some(Err(_)) => return Err(errors),
                    None => None,
                };
                match TemplateSupport::of(at) {
                    TemplateSupport::Unknown => errors.0.push(
                        Error::new(
                            Code::RecoveryPointTimeUnknown,
                            "the recovery point time is unknown",
                        )
                        .help(
                            "pass `--job` or `--recovery-point-time` (needed for `--format arm`), or check with `--format powershell`",
                        ),
                    ),
                    TemplateSupport::Before => errors.0.push(
                        Error::new(
                            Code::RecoveryPointBeforeTemplateSupport,
                            "the recovery point is before 2017-04-26: no ARM template",
                        )
                        .help("use `--format powershell` (and `check --format powershell`)"),
                    ),
                    TemplateSupport::FirstDay | TemplateSupport::Supported => {}
                }
            }
            Err(errors)
        }
    }
}
