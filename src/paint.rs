//! Colour as cargo and ripgrep use it: the `error`, `warning` and `help` labels on stderr and the
//! `--check` diff on stdout, only where a person reads them. `--color auto` (the default) colours
//! a terminal unless `NO_COLOR` is set (and not empty) or `TERM=dumb`; `always` and `never` say
//! so whatever the stream or the environment. Styles come from anstyle; text goes out through
//! anstream, which strips them when colour is off. The product (templates, scripts, JSON) is
//! never styled.

use std::io::{self, IsTerminal, Write};

use anstyle::{AnsiColor, Style};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Choice {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// Whether to colour a stream: the choice, whether the stream is a terminal, and the
/// environment's `NO_COLOR` and `TERM`.
pub fn enabled(choice: Choice, terminal: bool, no_color: Option<&str>, term: Option<&str>) -> bool {
    match choice {
        Choice::Always => true,
        Choice::Never => false,
        Choice::Auto => terminal && no_color.is_none_or(str::is_empty) && term != Some("dumb"),
    }
}

fn from_env(choice: Choice, terminal: bool) -> bool {
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    enabled(choice, terminal, no_color.as_deref(), term.as_deref())
}

/// Whether standard output is coloured (the `--check` diff).
pub fn stdout(choice: Choice) -> bool {
    from_env(choice, io::stdout().is_terminal())
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default().bold();
const ARROW: Style = AnsiColor::Blue.on_default().bold();
const REMOVED: Style = AnsiColor::Red.on_default();
const ADDED: Style = AnsiColor::Green.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const HEADER: Style = Style::new().bold();

fn styled(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// One line of stderr with its label styled: `error[Code]:`, `error:`, `warning:`, `help:`, `-->`.
pub fn message_line(line: &str) -> String {
    let indent = &line[..line.len() - line.trim_start().len()];
    let rest = line.trim_start();
    let label = |style: Style, end: usize| {
        format!("{indent}{}{}", styled(style, &rest[..end]), &rest[end..])
    };
    if rest.starts_with("error[") {
        match rest.find("]:") {
            Some(i) => label(ERROR, i + 2),
            None => line.to_owned(),
        }
    } else if rest.starts_with("error:") {
        label(ERROR, "error:".len())
    } else if rest.starts_with("warning:") {
        label(WARNING, "warning:".len())
    } else if rest.starts_with("help:") {
        label(HELP, "help:".len())
    } else if rest.starts_with("-->") {
        label(ARROW, "-->".len())
    } else {
        line.to_owned()
    }
}

/// A unified diff with removed lines red, added green, hunks cyan, file headers bold.
pub fn diff(text: &str, on: bool) -> String {
    if !on {
        return text.to_owned();
    }
    text.split('\n')
        .map(|l| {
            let style = if l.starts_with("---") || l.starts_with("+++") || l.starts_with("== ") {
                HEADER
            } else if l.starts_with("@@") {
                HUNK
            } else if l.starts_with('-') {
                REMOVED
            } else if l.starts_with('+') {
                ADDED
            } else {
                return l.to_owned();
            };
            styled(style, l)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Standard error for messages: each complete line gets its label styled, and anstream strips
/// the styles when colour is off.
pub struct Messages<W: anstream::stream::RawStream + anstream::stream::AsLockedWrite> {
    inner: anstream::AutoStream<W>,
    line: Vec<u8>,
}

impl<W: anstream::stream::RawStream + anstream::stream::AsLockedWrite> Messages<W> {
    pub fn new(inner: W, on: bool) -> Self {
        let choice = if on {
            anstream::ColorChoice::Always
        } else {
            anstream::ColorChoice::Never
        };
        Messages {
            inner: anstream::AutoStream::new(inner, choice),
            line: Vec::new(),
        }
    }

    /// Styles each line of `bytes` (complete lines, and a last one without its `\n` at a
    /// flush) and writes them all at once: one `write` for what the caller wrote at once, where
    /// a message of twelve lines used to take twenty-four.
    fn write_lines(&mut self, bytes: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            out.push_str(&message_line(body));
            out.push_str(end);
        }
        self.inner.write_all(out.as_bytes())
    }
}

/// Standard error, coloured as `choice` says.
pub fn stderr(choice: Choice) -> Messages<io::Stderr> {
    Messages::new(io::stderr(), from_env(choice, io::stderr().is_terminal()))
}

impl<W: anstream::stream::RawStream + anstream::stream::AsLockedWrite> Write for Messages<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(buf);
        if let Some(i) = self.line.iter().rposition(|b| *b == b'\n') {
            let rest = self.line.split_off(i + 1);
            let lines = std::mem::replace(&mut self.line, rest);
            self.write_lines(&lines)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.write_lines(&line)?;
        }
        self.inner.flush()
    }
}

impl<W: anstream::stream::RawStream + anstream::stream::AsLockedWrite> Drop for Messages<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_a_terminal_only_and_honours_no_color_and_dumb_terminals() {
        assert!(enabled(Choice::Auto, true, None, Some("xterm-256color")));
        assert!(!enabled(Choice::Auto, false, None, Some("xterm-256color")));
        assert!(!enabled(Choice::Auto, true, Some("1"), None));
        // NO_COLOR set but empty does not count (no-color.org).
        assert!(enabled(Choice::Auto, true, Some(""), None));
        assert!(!enabled(Choice::Auto, true, None, Some("dumb")));
        // An explicit choice wins over the stream and the environment, as in cargo.
        assert!(enabled(Choice::Always, false, Some("1"), Some("dumb")));
        assert!(!enabled(Choice::Never, true, None, None));
    }

    #[test]
    fn labels_are_styled_and_the_rest_is_kept() {
        let l = message_line("error[InvalidJson]: the config blob is not valid JSON");
        assert_eq!(
            l,
            "\x1b[1m\x1b[31merror[InvalidJson]:\x1b[0m the config blob is not valid JSON"
        );
        assert_eq!(
            message_line("  help: pass `--job`"),
            "  \x1b[1m\x1b[36mhelp:\x1b[0m pass `--job`"
        );
        assert!(message_line("warning: x").starts_with("\x1b[1m\x1b[33mwarning:"));
        assert_eq!(message_line("wrote out/a.json"), "wrote out/a.json");
        // A line that only mentions a label is not one.
        assert_eq!(message_line("no help: here"), "no help: here");
    }

    #[test]
    fn messages_strip_styles_when_off_and_keep_them_when_on() {
        for (on, styled) in [(true, true), (false, false)] {
            let mut buf = Vec::new();
            {
                let mut m = Messages::new(&mut buf, on);
                write!(m, "error[Usage]: x\n  he").expect("write");
                write!(m, "lp: y").expect("write");
            }
            let text = String::from_utf8(buf).expect("utf-8");
            assert_eq!(text.contains('\x1b'), styled, "{text:?}");
            let plain = text.replace("\x1b[1m", "").replace("\x1b[31m", "");
            assert!(
                plain.contains("error[Usage]:") && text.ends_with("y"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn diffs_are_coloured_line_by_line_only_when_on() {
        let d = "--- a (on disk)\n+++ a (generated)\n@@ -1 +1 @@\n-old\n+new\n same";
        assert_eq!(diff(d, false), d);
        let c = diff(d, true);
        assert!(
            c.contains("\x1b[31m-old\x1b[0m") && c.contains("\x1b[32m+new\x1b[0m"),
            "{c:?}"
        );
        assert!(c.ends_with("\n same"));
    }
}
