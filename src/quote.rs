//! Values in the commands restore-deploy prints for a person to paste (next steps, warnings):
//! each is one single-quoted word for the shell the command is for, so a value from the inputs
//! or the command line (a folder, a group, a set's name) can never end the word and run as code.
//! The scripts quote what they print at run time the same way (`ConvertTo-BashLiteral`,
//! `ConvertTo-PsLiteral` in `templates/prepare/literals.ps1.hbs`).

/// A bash word: `'...'`, each `'` written as `'\''` (close, an escaped quote, open again).
pub fn bash(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A PowerShell word: `'...'`, each quote doubled, the typographic ones too (PowerShell reads
/// `‘ ’ ‚ ‛` as single quotes).
pub fn powershell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_in_a_value_never_ends_the_word() {
        assert_eq!(bash("a'b"), "'a'\\''b'");
        assert_eq!(
            bash("'; touch /tmp/pwned; '"),
            "''\\''; touch /tmp/pwned; '\\'''"
        );
        assert_eq!(powershell("a'b\u{2019}c"), "'a''b\u{2019}\u{2019}c'");
        assert_eq!(powershell("$(x);`n"), "'$(x);`n'");
    }
}
