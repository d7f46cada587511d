//! Extended Date/Time Format (EDTF, ISO 8601-2) level 0 dates and intervals, as DataCite and
//! InvenioRDM use them for `publication_date` and `dates`.

/// Checks `raw` is a level-0 EDTF date (`2024`, `2024-05`, `2024-05-17`) or an interval of two
/// such dates (`2020/2024-06`), where either end may be open (`..`) or unknown (empty).
pub fn check(raw: &str) -> Result<(), String> {
    match raw.split_once('/') {
        None => check_date(raw),
        Some((start, end)) => {
            let open = |s: &str| s.is_empty() || s == "..";
            if open(start) && open(end) {
                return Err(format!("'{raw}' is an interval with no known end"));
            }
            for part in [start, end] {
                if !open(part) {
                    check_date(part)?;
                }
            }
            if !open(start) && !open(end) && pad(start) > pad(end) {
                return Err(format!("'{raw}' is an interval that ends before it starts"));
            }
            Ok(())
        }
    }
}

/// The year of a date or of an interval's start, for the publication-year facet.
pub fn year(raw: &str) -> Option<i32> {
    let start = raw.split('/').find(|part| !part.is_empty() && *part != "..")?;
    start.get(..4)?.parse().ok()
}

fn pad(date: &str) -> String {
    format!("{date:0<10}")
}

fn check_date(raw: &str) -> Result<(), String> {
    let invalid = || format!("'{raw}' is not an EDTF date (expected YYYY, YYYY-MM or YYYY-MM-DD)");
    let parts: Vec<&str> = raw.split('-').collect();
    let widths = [4, 2, 2];
    if parts.is_empty() || parts.len() > 3 {
        return Err(invalid());
    }
    let mut numbers = [0u32; 3];
    for (i, part) in parts.iter().enumerate() {
        if part.len() != widths[i] || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        numbers[i] = part.parse().map_err(|_| invalid())?;
    }
    let [year, month, day] = numbers;
    if parts.len() >= 2 && !(1..=12).contains(&month) {
        return Err(format!("'{raw}' has no month {month}"));
    }
    if parts.len() == 3 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days).contains(&day) {
            return Err(format!("'{raw}' has no day {day}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_intervals() {
        for ok in ["2024", "2024-02", "2024-02-29", "2000-02-29", "2020/2024", "2020-01/..", "../2020", "/2020", "2020-05-01/2020-05-01"] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "24",
            "2024-13",
            "2023-02-29",
            "1900-02-29",
            "2024-1-01",
            "2024/2020",
            "../..",
            "2024-04-31",
            "spring 2024",
            "2024-02-03T10:00",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn years() {
        assert_eq!(year("2024-05-01"), Some(2024));
        assert_eq!(year("../2020"), Some(2020));
        assert_eq!(year("1999/2001"), Some(1999));
    }
}
