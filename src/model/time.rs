//! Recovery point times: the job's own `M/d/yyyy h:mm:ss AM|PM` (read as UTC, as the jobs'
//! other times are), RFC 3339 with an offset, or without one (and a date alone, or PowerShell's
//! dotted `d.M.yyyy HH:mm:ss`) read as UTC.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// Azure Backup only offers templates for recovery points created from this instant on
/// (Azure Backup's guide: "Templates can be used only for recovery points created after 26 April
/// 2017").
pub fn template_support_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2017, 4, 26, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The first day Azure's documentation names single-pass ADE (without Azure AD): the earliest
/// "(previous release)" version of the ADE-with-Azure-AD articles, ms.date 2018-09-19, says
/// "The new release of Azure Disk Encryption eliminates the requirement for providing an Azure
/// AD application parameter". Before it, an encrypted VM used Azure AD, yet Azure Backup wrote
/// the same encryption-info blob for it, so that blob alone does not say the flavour.
pub fn single_pass_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2018, 9, 19, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Whether Azure supports an ARM template for a recovery point created at `at`: the one place
/// the 2017-04-26 rule is decided. Azure's guide says "after 26 April 2017", so a point on that
/// day itself is allowed with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateSupport {
    /// No recovery point time is known: a template cannot be shown to be possible.
    Unknown,
    /// Created before 2017-04-26T00:00:00Z: Azure supports no template.
    Before,
    /// Created during 2017-04-26 (UTC): allowed, but Azure's wording is ambiguous.
    FirstDay,
    Supported,
}

impl TemplateSupport {
    pub fn of(at: Option<DateTime<Utc>>) -> Self {
        let from = template_support_from();
        match at {
            None => TemplateSupport::Unknown,
            Some(t) if t < from => TemplateSupport::Before,
            Some(t) if t < from + chrono::Duration::days(1) => TemplateSupport::FirstDay,
            Some(_) => TemplateSupport::Supported,
        }
    }
}

pub fn parse(raw: &str) -> Result<DateTime<Utc>, String> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    parse_us(s)
        .or_else(|| parse_utc(s))
        .or_else(|| parse_dotted(s))
        .ok_or_else(|| {
            format!("`{raw}` is neither RFC 3339 (`2019-12-25T22:07:11Z`), a date (`2019-12-25`), `M/d/yyyy h:mm:ss AM|PM`, nor `d.M.yyyy HH:mm:ss`")
        })
}

/// `25.12.2019 22:07:11` or `25.12.2019`: what PowerShell prints in cultures that write dates
/// with dots (de-DE, ru-RU, pl-PL, fi-FI…), day first in all of them; no offset, so UTC
/// (newcomer row 24). Slash dates other than the job's en-US form are left out: `01/03/2024`
/// is March 1st in en-US and January 3rd in en-GB.
fn parse_dotted(s: &str) -> Option<DateTime<Utc>> {
    let date = s.split_whitespace().next()?;
    let year = date.rsplit('.').next()?;
    if !s.contains('.') || s.contains(['/', '-']) || year.len() != 4 {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%d.%m.%Y") {
        return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%d.%m.%Y %H:%M:%S")
        .ok()
        .map(|t| Utc.from_utc_datetime(&t))
}

/// `2019-12-25` (midnight) or `2019-12-25T22:07:11` / `2019-12-25 22:07:11`: no offset, so UTC,
/// as the job's own times are. Only the day matters for the 2017-04-26 rule.
fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| Utc.from_utc_datetime(&t))
}

/// `12/25/2019 10:07:11 PM`: what the job's property bag holds (en-US, no zone).
fn parse_us(s: &str) -> Option<DateTime<Utc>> {
    let mut parts = s.split_whitespace();
    let (date, time, ampm) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let d: Vec<&str> = date.split('/').collect();
    let t: Vec<&str> = time.split(':').collect();
    let [mo, da, yr] = d.as_slice() else {
        return None;
    };
    let [h, mi, se] = t.as_slice() else {
        return None;
    };
    let num = |x: &str, max_len: usize| -> Option<u32> {
        (!x.is_empty() && x.len() <= max_len && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse().ok())
            .flatten()
    };
    let (mo, da, yr) = (num(mo, 2)?, num(da, 2)?, num(yr, 4)?);
    let (h, mi, se) = (num(h, 2)?, num(mi, 2)?, num(se, 2)?);
    if yr < 1000 || !(1..=12).contains(&h) {
        return None;
    }
    let h24 = match ampm.to_ascii_uppercase().as_str() {
        "AM" => h % 12,
        "PM" => h % 12 + 12,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(yr as i32, mo, da)?;
    let dt = date.and_hms_opt(h24, mi, se)?;
    Some(Utc.from_utc_datetime(&dt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_format_is_utc() {
        let t = parse("12/25/2019 10:07:11 PM").expect("parses");
        assert_eq!(t.to_rfc3339(), "2019-12-25T22:07:11+00:00");
        assert_eq!(
            parse("1/7/2021 12:00:00 AM")
                .expect("midnight")
                .to_rfc3339(),
            "2021-01-07T00:00:00+00:00"
        );
        assert_eq!(
            parse("1/7/2021 12:30:00 PM").expect("noon").to_rfc3339(),
            "2021-01-07T12:30:00+00:00"
        );
    }

    #[test]
    fn rfc3339_with_offset() {
        let t = parse("2017-04-26T01:59:59+02:00").expect("parses");
        assert!(t < template_support_from());
    }

    #[test]
    fn template_rule_boundaries() {
        let at = |s: &str| Some(parse(s).expect("time"));
        assert_eq!(TemplateSupport::of(None), TemplateSupport::Unknown);
        assert_eq!(
            TemplateSupport::of(at("2017-04-25T23:59:59Z")),
            TemplateSupport::Before
        );
        assert_eq!(
            TemplateSupport::of(at("2017-04-26T00:00:00Z")),
            TemplateSupport::FirstDay
        );
        assert_eq!(
            TemplateSupport::of(at("2017-04-26T23:59:59Z")),
            TemplateSupport::FirstDay
        );
        assert_eq!(
            TemplateSupport::of(at("2017-04-27T00:00:00Z")),
            TemplateSupport::Supported
        );
    }

    #[test]
    fn a_date_alone_or_a_time_without_offset_is_utc() {
        let rfc = |s: &str| parse(s).expect(s).to_rfc3339();
        assert_eq!(rfc("2024-03-01"), "2024-03-01T00:00:00+00:00");
        assert_eq!(rfc("2024-03-01T10:15:00"), "2024-03-01T10:15:00+00:00");
        assert_eq!(
            rfc("2024-03-01 10:15:00.5"),
            "2024-03-01T10:15:00.500+00:00"
        );
        assert_eq!(
            TemplateSupport::of(Some(parse("2017-04-25").expect("date"))),
            TemplateSupport::Before
        );
        assert_eq!(
            TemplateSupport::of(Some(parse("2017-04-26").expect("date"))),
            TemplateSupport::FirstDay
        );
        for s in ["2024-02-30", "2024-3-1x", "2024-03-01T25:00:00"] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    /// What PowerShell prints outside en-US, in the cultures that write dates with dots: day
    /// first, UTC (newcomer row 24).
    #[test]
    fn a_dotted_date_is_day_first_and_utc() {
        let rfc = |s: &str| parse(s).expect(s).to_rfc3339();
        assert_eq!(rfc("01.03.2024 10:15:00"), "2024-03-01T10:15:00+00:00");
        assert_eq!(rfc("1.3.2024 10:15:00"), "2024-03-01T10:15:00+00:00");
        assert_eq!(rfc("25.04.2017"), "2017-04-25T00:00:00+00:00");
        assert_eq!(
            TemplateSupport::of(Some(parse("25.04.2017 23:59:59").expect("dotted"))),
            TemplateSupport::Before
        );
        for s in [
            "13.13.2024",
            "31.02.2024 10:00:00",
            "01.03.24 10:15:00",
            "01.03.2024 25:00:00",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        for s in [
            "",
            "13/1/2020 1:00:00 PM",
            "2/30/2020 1:00:00 PM",
            "1/1/2020 13:00:00 PM",
            "1/1/2020 1:00:00",
            "yesterday",
            "1/1/2020 1:00:00 PM extra",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }
}
