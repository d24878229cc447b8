//! Keeping SAS signatures and URL passwords out of every message.
//!
//! A signature can hide in more places than the query's `sig` pair: a fragment (`#sig=`), a
//! semicolon-separated query (`;sig=`), a key or `=` encoded once or many times (`%2573ig=`,
//! `sig%253D`). None of those is a working SAS, but each is the operator's real signature pasted
//! in the wrong place, so the scrubber reads the text the way a server that decodes it any number
//! of times would, and blanks the value wherever `sig=` appears.

/// What replaces a signature value.
const REDACTED: &str = "REDACTED";

/// A URL as shown in messages: no user name or password, no signature anywhere.
pub fn redact_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let had_userinfo = !url.username().is_empty() || url.password().is_some();
    if had_userinfo {
        // Setting these fails only for URLs that cannot carry userinfo, which then has none.
        let _ = shown.set_password(None);
        let _ = shown.set_username("***");
    }
    scrub(shown.as_str())
}

/// Redact a string that may or may not parse as a URL (used before parsing succeeded).
pub fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) => redact_url(&u),
        Err(_) => {
            let head = match raw.find(['?', '#']) {
                Some(i) => format!("{}?<query hidden>", &raw[..i]),
                None => raw.to_owned(),
            };
            scrub(&hide_userinfo(&head))
        }
    }
}

/// `scheme://user:pass@host` → `scheme://***@host`, for text that did not parse as a URL.
fn hide_userinfo(s: &str) -> String {
    let Some(start) = s.find("://").map(|i| i + 3) else {
        return s.to_owned();
    };
    let authority_end = s[start..].find('/').map_or(s.len(), |i| start + i);
    match s[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &s[..start], &s[start + at..]),
        None => s.to_owned(),
    }
}

/// Blank the value after every `sig=` in free text (SDK errors may quote the request URL),
/// however many times its letters or its `=` were percent-encoded.
pub fn scrub(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    // Start of the text not yet copied to `out`.
    let mut copied = 0;
    // The last three logical characters and whether the one before them ends a word.
    let mut window: [u8; 3] = [0; 3];
    let mut boundary_before = [true; 3];
    let mut prev_is_word = false;
    let mut i = 0;
    while i < bytes.len() {
        let (c, len) = logical_at(bytes, i);
        if c == b'=' && window.eq_ignore_ascii_case(b"sig") && boundary_before[0] {
            out.push_str(&s[copied..i + len]);
            out.push_str(REDACTED);
            let mut j = i + len;
            while j < bytes.len() {
                let (v, vlen) = logical_at(bytes, j);
                if ends_value(v) {
                    break;
                }
                j += vlen;
            }
            copied = j;
            i = j;
            window = [0; 3];
            boundary_before = [true; 3];
            prev_is_word = false;
            continue;
        }
        window = [window[1], window[2], c];
        boundary_before = [boundary_before[1], boundary_before[2], !prev_is_word];
        prev_is_word = c.is_ascii_alphanumeric() || c == b'_';
        i += len;
    }
    out.push_str(&s[copied..]);
    out
}

/// The byte that `s[i..]` stands for after decoding `%XX` any number of times (`%2573` → `s`),
/// and how many bytes of `s` it spans. Multi-byte UTF-8 characters count as themselves.
fn logical_at(s: &[u8], i: usize) -> (u8, usize) {
    let hex = |j: usize| -> Option<u8> {
        let h = |b: u8| (b as char).to_digit(16);
        let (a, b) = (h(*s.get(j)?)?, h(*s.get(j + 1)?)?);
        u8::try_from(a * 16 + b).ok()
    };
    let first = s[i];
    if first != b'%' {
        let width = match first {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        return (first, width.min(s.len() - i));
    }
    let mut j = i + 1;
    let mut c = b'%';
    // Each `%25` decodes to a `%` that starts the next level with the bytes after it.
    while let Some(b) = hex(j) {
        j += 2;
        c = b;
        if b != b'%' {
            break;
        }
    }
    (c, j - i)
}

/// Characters that end a signature value; base64 and its percent-encoding never contain them.
fn ends_value(c: u8) -> bool {
    c.is_ascii_whitespace()
        || c.is_ascii_control()
        || matches!(
            c,
            b'&' | b';'
                | b'#'
                | b'"'
                | b'\''
                | b'`'
                | b'<'
                | b'>'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b','
                | b'|'
                | b'\\'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_signature_in_any_case() {
        let u = url::Url::parse(
            "https://a.blob.core.windows.net/c/b.json?sv=2022-11-02&SIG=abc%2Bdef&se=x",
        )
        .expect("url");
        assert_eq!(
            redact_url(&u),
            "https://a.blob.core.windows.net/c/b.json?sv=2022-11-02&SIG=REDACTED&se=x"
        );
    }

    #[test]
    fn signature_wherever_it_hides() {
        for (raw, secret) in [
            ("https://h/c/b.json#sig=FRAGSECRET", "FRAGSECRET"),
            ("https://h/c/b.json?sv=1#&sig=FRAG2SECRET", "FRAG2SECRET"),
            (
                "https://h/c/b.json?sv=2021-08-06;sig=SEMISECRET",
                "SEMISECRET",
            ),
            ("https://h/c/b.json?sv=1&%2573ig=DOUBLEKEY", "DOUBLEKEY"),
            ("https://h/c/b.json?sv=1&%73ig=ONCEKEY", "ONCEKEY"),
            ("https://h/c/b.json?sv=1&sig%253DDOUBLEEQ", "DOUBLEEQ"),
            ("https://h/c/b.json?sv=1&%25252573ig%3DDEEP", "DEEP"),
            ("https://h/c/b.json?a=sv%3D1%26sig%3DNESTED", "NESTED"),
            ("https://h/c/b.json?sig=ONE&x=1&sig=TWO", "TWO"),
        ] {
            let u = url::Url::parse(raw).expect("url");
            let shown = redact_url(&u);
            assert!(!shown.contains(secret), "{raw} shown as {shown}");
            assert!(shown.contains(REDACTED), "{shown}");
            assert!(!redact(raw).contains(secret), "{raw}");
        }
    }

    #[test]
    fn scrub_keeps_the_text_around_and_only_blanks_values() {
        assert_eq!(
            scrub("GET https://a/c/b?sv=1&sig=AbC%2B/def&se=2 failed; SIG=xyz\""),
            "GET https://a/c/b?sv=1&sig=REDACTED&se=2 failed; SIG=REDACTED\""
        );
        // A word that merely ends in `sig` is not a signature key.
        assert_eq!(scrub("design=kept"), "design=kept");
        assert_eq!(scrub("no signature here"), "no signature here");
        assert_eq!(scrub("ünïcödé sig=ÄÖ é"), "ünïcödé sig=REDACTED é");
        assert_eq!(scrub("trailing %"), "trailing %");
        assert_eq!(scrub("sig="), "sig=REDACTED");
    }

    #[test]
    fn userinfo_never_shown() {
        let u = url::Url::parse("http://admin:hunter2@127.0.0.1:9/c/b.json").expect("url");
        let shown = redact_url(&u);
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin"),
            "{shown}"
        );
        assert!(shown.contains("***@127.0.0.1"), "{shown}");
        let raw = "http://admin:hunter2@[bad/c/b.json?sig=S";
        let shown = redact(raw);
        assert!(
            !shown.contains("hunter2") && !shown.contains("sig=S"),
            "{shown}"
        );
    }
}
