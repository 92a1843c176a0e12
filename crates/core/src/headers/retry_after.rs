//! `Retry-After` (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.
//!
//! All three HTTP-date forms are read (IMF-fixdate, RFC 850, asctime), in GMT, years 1970-9999;
//! the weekday name must be a valid one but is not checked against the date. RFC 850 two-digit
//! years are read as 1970-2069. Core has no clock, so turning a date into a wait takes "now"
//! from the caller ([`RetryAfter::delay_secs`]). Delay-seconds too large for 64 bits saturate.

use std::fmt;

use super::names::RETRY_AFTER;
use super::HeaderError;

/// A parsed `Retry-After` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this many seconds.
    Seconds(u64),
    /// Retry at or after this time.
    Date(HttpDate),
}

impl RetryAfter {
    /// Parses delay-seconds or an HTTP-date.
    pub fn parse(value: &str) -> Result<RetryAfter, HeaderError> {
        let text = value.trim();
        if text.is_empty() {
            return Err(HeaderError::Empty {
                header: RETRY_AFTER,
            });
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(RetryAfter::Seconds(text.parse().unwrap_or(u64::MAX)));
        }
        HttpDate::parse(text)
            .map(RetryAfter::Date)
            .map_err(|reason| HeaderError::invalid(RETRY_AFTER, value, reason))
    }

    /// Seconds to wait from `now_unix_secs` (0 when the date is past).
    pub fn delay_secs(&self, now_unix_secs: u64) -> u64 {
        match *self {
            RetryAfter::Seconds(n) => n,
            RetryAfter::Date(date) => date.unix_secs.saturating_sub(now_unix_secs),
        }
    }
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryAfter::Seconds(n) => write!(f, "{n}"),
            RetryAfter::Date(date) => date.fmt(f),
        }
    }
}

/// A point in time with one-second precision, as HTTP dates carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HttpDate {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix_secs: u64,
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Seconds since the epoch of 9999-12-31T23:59:59Z, the last date printable in four digits.
const MAX_UNIX_SECS: u64 = 253_402_300_799;

impl HttpDate {
    /// The date at these seconds since the epoch (None past year 9999).
    pub fn from_unix_secs(unix_secs: u64) -> Option<HttpDate> {
        (unix_secs <= MAX_UNIX_SECS).then_some(HttpDate { unix_secs })
    }

    /// Parses an IMF-fixdate, RFC 850 or asctime date.
    pub fn parse(text: &str) -> Result<HttpDate, &'static str> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let (year, month, day, time) = match parts.as_slice() {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            [weekday, day, month, year, time, "GMT"] => {
                check_weekday(
                    weekday
                        .strip_suffix(',')
                        .ok_or("expected ',' after the weekday")?,
                    &DAYS,
                )?;
                if day.len() != 2 || year.len() != 4 {
                    return Err("expected a two-digit day and a four-digit year");
                }
                (number(year)?, month_number(month)?, number(day)?, *time)
            }
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            [weekday, date, time, "GMT"] => {
                check_weekday(
                    weekday
                        .strip_suffix(',')
                        .ok_or("expected ',' after the weekday")?,
                    &LONG_DAYS,
                )?;
                let mut fields = date.split('-');
                let (Some(day), Some(month), Some(year), None) =
                    (fields.next(), fields.next(), fields.next(), fields.next())
                else {
                    return Err("expected DD-Mon-YY");
                };
                if day.len() != 2 || year.len() != 2 {
                    return Err("expected DD-Mon-YY");
                }
                let year = number(year)?;
                let year = if year < 70 { 2000 + year } else { 1900 + year };
                (year, month_number(month)?, number(day)?, *time)
            }
            // asctime: Sun Nov  6 08:49:37 1994
            [weekday, month, day, time, year] => {
                check_weekday(weekday, &DAYS)?;
                if day.is_empty() || day.len() > 2 || year.len() != 4 {
                    return Err("expected Mon D HH:MM:SS YYYY");
                }
                (number(year)?, month_number(month)?, number(day)?, *time)
            }
            _ => return Err("neither delay-seconds nor an HTTP-date"),
        };
        let mut hms = time.split(':');
        let (Some(h), Some(m), Some(s), None) = (hms.next(), hms.next(), hms.next(), hms.next())
        else {
            return Err("expected HH:MM:SS");
        };
        if h.len() != 2 || m.len() != 2 || s.len() != 2 {
            return Err("expected HH:MM:SS");
        }
        let (h, m, s) = (number(h)?, number(m)?, number(s)?);
        if h > 23 || m > 59 || s > 60 {
            return Err("time of day out of range");
        }
        if !(1970..=9999).contains(&year) {
            return Err("year out of range (1970-9999)");
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err("day out of range for the month");
        }
        let days = days_from_civil(year, month, day);
        let unix_secs = days * 86_400 + h * 3600 + m * 60 + s;
        HttpDate::from_unix_secs(unix_secs).ok_or("date beyond year 9999")
    }
}

impl fmt::Display for HttpDate {
    /// Formats as IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.unix_secs.min(MAX_UNIX_SECS);
        let days = secs / 86_400;
        let rem = secs % 86_400;
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[((days + 4) % 7) as usize],
            day,
            MONTHS[(month - 1) as usize],
            year,
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

fn number(s: &str) -> Result<u64, &'static str> {
    super::grammar::parse_u64(s).ok_or("expected digits")
}

fn check_weekday(name: &str, names: &[&str]) -> Result<(), &'static str> {
    if names.contains(&name) {
        Ok(())
    } else {
        Err("unknown weekday name")
    }
}

fn month_number(name: &str) -> Result<u64, &'static str> {
    MONTHS
        .iter()
        .position(|m| *m == name)
        .map(|i| i as u64 + 1)
        .ok_or("unknown month name")
}

fn is_leap(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date in 1970-9999 (Howard Hinnant's algorithm).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOV_6_1994: u64 = 784_111_777;

    #[test]
    fn delay_seconds() {
        assert_eq!(RetryAfter::parse("120").unwrap(), RetryAfter::Seconds(120));
        assert_eq!(RetryAfter::parse(" 0 ").unwrap().delay_secs(5), 0);
        assert_eq!(
            RetryAfter::parse("99999999999999999999999").unwrap(),
            RetryAfter::Seconds(u64::MAX)
        );
        assert_eq!(RetryAfter::Seconds(30).to_string(), "30");
        for bad in ["", "-1", "1.5", "soon", "+3"] {
            assert!(RetryAfter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_three_date_forms() {
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            let parsed = RetryAfter::parse(text).unwrap();
            assert_eq!(
                parsed,
                RetryAfter::Date(HttpDate {
                    unix_secs: NOV_6_1994
                }),
                "{text}"
            );
            assert_eq!(parsed.to_string(), "Sun, 06 Nov 1994 08:49:37 GMT");
            assert_eq!(parsed.delay_secs(NOV_6_1994 - 60), 60);
            assert_eq!(parsed.delay_secs(NOV_6_1994 + 60), 0);
        }
    }

    #[test]
    fn calendar_edges() {
        let epoch = HttpDate::parse("Thu, 01 Jan 1970 00:00:00 GMT").unwrap();
        assert_eq!(epoch.unix_secs, 0);
        assert_eq!(
            HttpDate { unix_secs: 0 }.to_string(),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        let leap = HttpDate::parse("Tue, 29 Feb 2000 12:00:00 GMT").unwrap();
        assert_eq!(leap.to_string(), "Tue, 29 Feb 2000 12:00:00 GMT");
        let last = HttpDate::from_unix_secs(MAX_UNIX_SECS).unwrap();
        assert_eq!(last.to_string(), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(HttpDate::parse(&last.to_string()), Ok(last));
        assert_eq!(HttpDate::from_unix_secs(MAX_UNIX_SECS + 1), None);
        assert_eq!(
            HttpDate::parse("Sunday, 06-Nov-69 08:49:37 GMT")
                .unwrap()
                .to_string(),
            "Wed, 06 Nov 2069 08:49:37 GMT"
        );
    }

    #[test]
    fn bad_dates() {
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 31 Apr 1994 08:49:37 GMT",
            "Sun, 29 Feb 1900 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov 6 08:49:37 94",
        ] {
            assert!(RetryAfter::parse(bad).is_err(), "{bad}");
        }
    }
}
