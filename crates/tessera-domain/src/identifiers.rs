//! Checks and normalisation for the persistent identifiers metadata refers to: ORCID, ROR and DOI.

/// Returns the bare ORCID (`0000-0002-1825-0097`) if `raw` is one, with or without its URL.
pub fn normalize_orcid(raw: &str) -> Result<String, String> {
    let bare = strip_prefixes(raw.trim(), &["https://orcid.org/", "http://orcid.org/", "orcid.org/"]);
    let digits: Vec<char> = bare.chars().filter(|c| *c != '-').collect();
    let well_formed = bare.len() == 19
        && bare.chars().enumerate().all(|(i, c)| if i % 5 == 4 { c == '-' } else { c.is_ascii_digit() || (i == 18 && c == 'X') });
    if !well_formed || digits.len() != 16 {
        return Err(format!("'{raw}' is not an ORCID (expected the form 0000-0000-0000-000X)"));
    }
    // ISO 7064 MOD 11-2 over the first fifteen digits.
    let total = digits[..15].iter().fold(0u32, |acc, c| (acc + c.to_digit(10).unwrap_or(0)) * 2);
    let check = (12 - total % 11) % 11;
    let expected = if check == 10 { 'X' } else { char::from_digit(check, 10).unwrap_or('?') };
    if digits[15] != expected {
        return Err(format!("'{raw}' is not a valid ORCID: its check digit should be {expected}"));
    }
    Ok(bare.to_string())
}

/// Returns the bare ROR id (`01ggx4157`) if `raw` is one, with or without its URL.
pub fn normalize_ror(raw: &str) -> Result<String, String> {
    let bare = strip_prefixes(raw.trim(), &["https://ror.org/", "http://ror.org/", "ror.org/"]).to_ascii_lowercase();
    let bytes = bare.as_bytes();
    let invalid = || format!("'{raw}' is not a ROR id (expected 0 followed by six letters or digits and two check digits)");
    if bytes.len() != 9 || bytes[0] != b'0' || !bytes[7..].iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    // The first seven characters are a Crockford base32 number; the last two are its ISO 7064 MOD 97-10 checksum.
    let mut value: u64 = 0;
    for &b in &bytes[..7] {
        value = value * 32 + u64::from(crockford_digit(b).ok_or_else(invalid)?);
    }
    let expected = 98 - (value * 100) % 97;
    let given: u64 = bare[7..].parse().map_err(|_| invalid())?;
    if given != expected {
        return Err(format!("'{raw}' is not a valid ROR id: its check digits should be {expected:02}"));
    }
    Ok(bare)
}

fn crockford_digit(b: u8) -> Option<u8> {
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    ALPHABET.iter().position(|&a| a == b).map(|i| i as u8)
}

/// Returns the bare DOI (`10.1234/abc`) if `raw` is one, accepting `doi:` and resolver URLs.
pub fn normalize_doi(raw: &str) -> Result<String, String> {
    let bare = strip_prefixes(raw.trim(), &["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"]);
    let valid = bare.split_once('/').is_some_and(|(prefix, suffix)| {
        let registrant = prefix.strip_prefix("10.").unwrap_or("");
        !registrant.is_empty()
            && registrant.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            && !suffix.is_empty()
            && !suffix.chars().any(char::is_whitespace)
    });
    if !valid {
        return Err(format!("'{raw}' is not a DOI (expected the form 10.1234/suffix)"));
    }
    Ok(bare.to_string())
}

fn strip_prefixes<'a>(s: &'a str, prefixes: &[&str]) -> &'a str {
    prefixes.iter().find_map(|p| s.strip_prefix(p)).unwrap_or(s)
}

/// Checks an identifier of a known scheme; unknown schemes are accepted as they are.
pub fn normalize(scheme: &str, raw: &str) -> Result<String, String> {
    match scheme {
        "orcid" => normalize_orcid(raw),
        "ror" => normalize_ror(raw),
        "doi" => normalize_doi(raw),
        _ if raw.trim().is_empty() => Err("identifier is empty".into()),
        _ => Ok(raw.trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orcids() {
        assert_eq!(normalize_orcid("0000-0002-1825-0097").as_deref(), Ok("0000-0002-1825-0097"));
        assert_eq!(normalize_orcid("https://orcid.org/0000-0002-9079-593X").as_deref(), Ok("0000-0002-9079-593X"));
        assert!(normalize_orcid("0000-0002-1825-0098").unwrap_err().contains("check digit should be 7"));
        assert!(normalize_orcid("0000-0002-1825").is_err());
        assert!(normalize_orcid("0000-0002-1825-009X").is_err());
    }

    #[test]
    fn rors() {
        assert_eq!(normalize_ror("01ggx4157").as_deref(), Ok("01ggx4157"));
        assert_eq!(normalize_ror("https://ror.org/052gg0110").as_deref(), Ok("052gg0110"));
        assert!(normalize_ror("01ggx4158").unwrap_err().contains("check digits should be 57"));
        assert!(normalize_ror("11ggx4157").is_err());
        assert!(normalize_ror("01ggu4157").is_err());
    }

    #[test]
    fn dois() {
        assert_eq!(normalize_doi("10.5281/zenodo.1234").as_deref(), Ok("10.5281/zenodo.1234"));
        assert_eq!(normalize_doi("https://doi.org/10.1000.10/x y").ok(), None);
        assert_eq!(normalize_doi("doi:10.1000.10/abc").as_deref(), Ok("10.1000.10/abc"));
        assert!(normalize_doi("10./abc").is_err());
        assert!(normalize_doi("11.1234/abc").is_err());
        assert!(normalize_doi("10.1234/").is_err());
    }
}
