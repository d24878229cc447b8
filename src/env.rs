//! Time limits an operator may set through the environment (`RESTORE_DEPLOY_BLOB_TIMEOUT`,
//! `RESTORE_DEPLOY_LOCK_WAIT`): one rule for reading them, so every such variable accepts and
//! refuses the same values.

use std::ffi::OsStr;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::error::{Code, Error, Result};

/// A limit in whole seconds: unset is `default`; anything but whole seconds in `range` is the
/// operator's mistake, said so rather than silently replaced.
pub(crate) struct Seconds {
    pub(crate) var: &'static str,
    pub(crate) default: u64,
    /// Long enough for a slow link or disk, short enough that a typo cannot hang a pipeline for
    /// hours.
    pub(crate) range: RangeInclusive<u64>,
}

impl Seconds {
    pub(crate) fn read(&self) -> Result<Duration> {
        self.parse(std::env::var_os(self.var).as_deref())
    }

    fn parse(&self, value: Option<&OsStr>) -> Result<Duration> {
        let Some(raw) = value else {
            return Ok(Duration::from_secs(self.default));
        };
        let s = raw.to_string_lossy();
        // Digits only: `parse` would also take `+3`, and whitespace or units are typos to report.
        if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(&s));
        }
        s.parse::<u64>()
            .ok()
            .filter(|n| self.range.contains(n))
            .map(Duration::from_secs)
            .ok_or_else(|| self.bad(&s))
    }

    /// "1 to 600": the accepted values, as messages name them.
    pub(crate) fn accepted(&self) -> String {
        format!("{} to {}", self.range.start(), self.range.end())
    }

    fn bad(&self, value: &str) -> Error {
        let var = self.var;
        Error::new(
            Code::Usage,
            format!(
                "`{var}` is `{value}`, not a whole number of seconds from {}",
                self.accepted()
            ),
        )
        .help(format!(
            "set `{var}` to whole seconds from {} (such as `60`), or unset it for the default {} s",
            self.accepted(),
            self.default
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_whole_and_in_range_or_a_usage_error() {
        let limit = Seconds {
            var: "RESTORE_DEPLOY_TEST_LIMIT",
            default: 15,
            range: 1..=600,
        };
        let parse = |v: &str| limit.parse(Some(OsStr::new(v)));
        assert_eq!(limit.parse(None).ok(), Some(Duration::from_secs(15)));
        for (v, secs) in [("1", 1), ("3", 3), ("060", 60), ("600", 600)] {
            assert_eq!(parse(v).ok(), Some(Duration::from_secs(secs)), "{v}");
        }
        let twenty = "9".repeat(20);
        for v in [
            "", "0", "-1", "+3", "601", "1e9", " 3", "3 ", "3s", "garbage", "0600", &twenty,
        ] {
            let e = parse(v).expect_err(v);
            assert_eq!(e.code, Code::Usage, "{v}");
            assert_eq!(e.code.exit_code(), 2);
            assert!(
                e.message.contains("RESTORE_DEPLOY_TEST_LIMIT")
                    && e.help.as_deref().is_some_and(|h| h.contains("1 to 600")),
                "{v}: {e:?}"
            );
        }
    }
}
