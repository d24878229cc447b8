//! The one layout of every JSON output, made in one pass over the rendered text.
//!
//! A rendered template is checked to be one JSON value (serde_json reads it into `IgnoredAny`:
//! every byte is checked, nothing is built) and then laid out as serde_json's pretty printer lays
//! out a value, token by token: it used to be read into a `Value` and printed again, which was a
//! tenth of a one-job run's instructions, most of them allocations (issue 21).
//!
//! What the tokens become is what the reprint made of them: `layout_is_the_reprint_of_the_value`
//! holds the two side by side on the tricky tokens, and every snapshot (made by the reprint) on
//! every output the tests render:
//! - a string with no escape and no [`is_hazard`] character is copied; any other is decoded and
//!   written again as [`to_json_line`] writes it (serde's escapes, hazards as `\uXXXX`);
//! - an integer in canonical form is copied; any other number is read as serde_json reads it and
//!   printed as it prints it;
//! - `true`, `false`, `null` are copied.
//!
//! One difference, on purpose: an object that names a key twice is an error here, where the
//! reprint kept one of the two values and dropped the other without a word. No input reaches a
//! key of its own (tag names and identity ids are distinct by construction), so only a template
//! bug can write one, and a bug is better refused than shipped half-applied.
//!
//! [`is_hazard`]: crate::error::is_hazard
//! [`to_json_line`]: super::to_json_line

use std::borrow::Cow;

/// `s` (one JSON value) in serde_json's pretty layout, two spaces per level, with no final
/// newline; the error says what is wrong with `s`.
pub fn pretty(s: &str) -> Result<String, String> {
    serde_json::from_str::<serde::de::IgnoredAny>(s).map_err(|e| e.to_string())?;
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' => i += 1,
            open @ (b'{' | b'[') => {
                before_value(&mut out, &mut stack);
                out.push(char::from(open));
                stack.push(Frame {
                    object: open == b'{',
                    entries: 0,
                    keyed: false,
                    keys: Vec::new(),
                });
                i += 1;
            }
            close @ (b'}' | b']') => {
                let Some(mut frame) = stack.pop() else {
                    break;
                };
                frame.keys.sort_unstable();
                if let Some(w) = frame.keys.windows(2).find(|w| w[0] == w[1]) {
                    return Err(format!("the key `{}` is written twice in one object", w[0]));
                }
                if frame.entries > 0 {
                    newline(&mut out, stack.len());
                }
                out.push(char::from(close));
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i);
                let token = &s[i..end];
                let is_key = stack.last().is_some_and(|f| f.object && !f.keyed);
                if is_key {
                    let depth = stack.len();
                    let Some(frame) = stack.last_mut() else {
                        break;
                    };
                    let key = if token.contains('\\') {
                        Cow::Owned(
                            serde_json::from_str::<String>(token).map_err(|e| e.to_string())?,
                        )
                    } else {
                        Cow::Borrowed(&token[1..token.len() - 1])
                    };
                    if frame.entries > 0 {
                        out.push(',');
                    }
                    frame.entries += 1;
                    frame.keyed = true;
                    newline(&mut out, depth);
                    string(&mut out, token)?;
                    out.push_str(": ");
                    frame.keys.push(key);
                } else {
                    before_value(&mut out, &mut stack);
                    string(&mut out, token)?;
                }
                i = end;
            }
            _ => {
                let end = b[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
                    .map_or(b.len(), |n| i + n);
                before_value(&mut out, &mut stack);
                scalar(&mut out, &s[i..end])?;
                i = end;
            }
        }
    }
    Ok(out)
}

/// An open object or array.
struct Frame<'a> {
    object: bool,
    /// Entries (key and value) or items written so far.
    entries: usize,
    /// An object's key is written and its value is next.
    keyed: bool,
    /// An object's keys, decoded, checked for one written twice when it closes.
    keys: Vec<Cow<'a, str>>,
}

/// What goes before a value: in an array, the separator and the item's line; in an object,
/// nothing (its key wrote them).
fn before_value(out: &mut String, stack: &mut [Frame<'_>]) {
    let depth = stack.len();
    let Some(frame) = stack.last_mut() else {
        return;
    };
    if frame.object {
        frame.keyed = false;
        return;
    }
    if frame.entries > 0 {
        out.push(',');
    }
    frame.entries += 1;
    newline(out, depth);
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// The end (one past the closing quote) of the string token starting at `start`. The text was
/// checked: the closing quote is there.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

fn string(out: &mut String, token: &str) -> Result<(), String> {
    let body = &token[1..token.len() - 1];
    if !body.contains('\\') && crate::error::first_hazard(body).is_none() {
        out.push_str(token);
        return Ok(());
    }
    let decoded: String = serde_json::from_str(token).map_err(|e| e.to_string())?;
    out.push_str(&super::to_json_line(&decoded).map_err(|e| e.to_string())?);
    Ok(())
}

/// A number or `true`, `false`, `null`.
fn scalar(out: &mut String, token: &str) -> Result<(), String> {
    let digits = token.strip_prefix('-').unwrap_or(token);
    let canonical_int = !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && (token.parse::<i64>().is_ok() || token.parse::<u64>().is_ok())
        && token != "-0";
    if canonical_int || matches!(token, "true" | "false" | "null") {
        out.push_str(token);
        return Ok(());
    }
    let n: serde_json::Number = serde_json::from_str(token).map_err(|e| e.to_string())?;
    out.push_str(&super::to_json_line(&n).map_err(|e| e.to_string())?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `pretty` replaced: read into a `Value`, printed with the pretty formatter.
    fn reprint(s: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(s).expect("valid");
        super::super::to_json_pretty(&v).expect("prints")
    }

    #[test]
    fn layout_is_the_reprint_of_the_value() {
        let cases = [
            "{}",
            "[]",
            "0",
            "-12",
            "1.50",
            "1e3",
            "-0",
            "-0.0",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "true",
            " null ",
            r#""plain""#,
            r#""a\/b \u0041 \u00e9 \t \n \" \\ \u001b \u007f \u2028 \ud83d\ude00""#,
            "\"raw \u{2028} \u{202e} \u{feff} \u{85} é 😀\"",
            r#"{"a":{},"b":[],"c":[{}],"d":[[]],"e":{"f":{"g":[1,2,{"h":null}]}}}"#,
            "{\r\n\t\"a\" :\t[ 1 , 2 ] ,\n\"b\":\"x\"  }",
            r#"{"k\u0041":1,"\u2028":2,"":3}"#,
            r#"[{"a":1},{"a":2},"s",-1,true,false,null,[],{}]"#,
        ];
        for case in cases {
            assert_eq!(
                pretty(case).as_deref(),
                Ok(reprint(case).as_str()),
                "{case}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_one_json_value() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "1 2",
            "{\"a\":1}}",
            "\"\\x\"",
            "nul",
            "007",
        ] {
            assert!(pretty(bad).is_err(), "{bad}");
        }
        let twice = pretty(r#"{"a":1,"b":{"a":2},"a":3}"#).expect_err("duplicate");
        assert!(twice.contains("`a`"), "{twice}");
        assert!(pretty(r#"[{"a":1},{"a":1}]"#).is_ok());
    }
}
