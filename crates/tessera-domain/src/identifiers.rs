//! Checks and normalisation for the persistent identifiers metadata refers to (ORCID, ROR and
//! DOI), and the ARKs Tessera mints for records when no DOI registration is configured.

/// The alphabet of NOID check characters: digits and the consonants that cannot be misread.
const NOID_XDIGITS: &str = "0123456789bcdfghjkmnpqrstvwxz";

/// The NOID check character of an ARK's base (`NAAN/shoulder+blade`): each character's place
/// in the alphabet (0 if it is not there) times its position from 1, summed, modulo 29. It
/// catches every single-character error and every transposition of two characters.
pub fn noid_check_char(base: &str) -> char {
    let total: usize = base.chars().enumerate().map(|(i, c)| (i + 1) * NOID_XDIGITS.find(c).unwrap_or(0)).sum();
    NOID_XDIGITS.as_bytes()[total % NOID_XDIGITS.len()] as char
}

/// Where Tessera mints ARKs: a Name Assigning Authority Number and a shoulder under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArkMinter {
    pub naan: String,
    pub shoulder: String,
}

impl ArkMinter {
    /// A minter, if the NAAN is five or more digits and the shoulder is letters and digits
    /// from the NOID alphabet ending in a digit (so a blade never runs into it).
    pub fn new(naan: &str, shoulder: &str) -> Result<Self, String> {
        if naan.len() < 5 || !naan.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("'{naan}' is not a NAAN (five or more digits)"));
        }
        if shoulder.is_empty() || !shoulder.chars().all(|c| NOID_XDIGITS.contains(c)) || !shoulder.ends_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("'{shoulder}' is not an ARK shoulder: letters and digits of {NOID_XDIGITS}, ending in a digit"));
        }
        Ok(Self { naan: naan.to_string(), shoulder: shoulder.to_string() })
    }

    /// The ARK of a record: `ark:/NAAN/SHOULDER{id}{check}`.
    pub fn mint(&self, record: i64) -> String {
        let base = format!("{}/{}{record}", self.naan, self.shoulder);
        format!("ark:/{base}{}", noid_check_char(&base))
    }

    /// The record a name under this NAAN (`SHOULDER{id}{check}`) stands for, if its check
    /// character holds.
    pub fn record_of(&self, name: &str) -> Option<i64> {
        let (body, check) = name.split_at(name.len().checked_sub(1)?);
        let id = body.strip_prefix(&self.shoulder)?;
        let valid = id.chars().all(|c| c.is_ascii_digit()) && noid_check_char(&format!("{}/{body}", self.naan)).to_string() == check;
        valid.then(|| id.parse().ok()).flatten()
    }
}

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

/// Where an identifier of a known scheme resolves on the web, if anywhere.
pub fn resolver_url(scheme: &str, identifier: &str) -> Option<String> {
    let id = identifier.trim();
    let http = id.starts_with("https://") || id.starts_with("http://");
    match scheme {
        _ if http && matches!(scheme, "url" | "doi" | "handle" | "ark" | "purl" | "w3id") => Some(id.to_string()),
        "doi" => Some(format!("https://doi.org/{id}")),
        "handle" => Some(format!("https://hdl.handle.net/{id}")),
        "ark" => Some(format!("https://n2t.net/{id}")),
        "arxiv" => Some(format!("https://arxiv.org/abs/{}", id.trim_start_matches("arXiv:"))),
        "pmid" => Some(format!("https://pubmed.ncbi.nlm.nih.gov/{id}/")),
        "orcid" => Some(format!("https://orcid.org/{id}")),
        "ror" => Some(format!("https://ror.org/{id}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arks_carry_a_noid_check_character() {
        // The worked example of the NOID specification.
        assert_eq!(noid_check_char("13030/xf93gt2"), 'q');
        let minter = ArkMinter::new("99999", "fk4").unwrap();
        let ark = minter.mint(1234);
        assert!(ark.starts_with("ark:/99999/fk41234"), "{ark}");
        let name = ark.strip_prefix("ark:/99999/").unwrap();
        assert_eq!(minter.record_of(name), Some(1234));
        assert_eq!(minter.record_of("fk41243x"), None, "a transposition breaks the check");
        assert_eq!(minter.record_of(&name.replace("fk4", "fk5")), None);
        assert!(ArkMinter::new("999", "fk4").is_err() && ArkMinter::new("99999", "fk").is_err() && ArkMinter::new("99999", "FK4").is_err());
    }

    #[test]
    fn identifiers_resolve_where_their_scheme_does() {
        assert_eq!(resolver_url("doi", "10.1234/x").as_deref(), Some("https://doi.org/10.1234/x"));
        assert_eq!(resolver_url("url", "https://example.org/a").as_deref(), Some("https://example.org/a"));
        assert_eq!(resolver_url("arxiv", "arXiv:2401.00001").as_deref(), Some("https://arxiv.org/abs/2401.00001"));
        assert_eq!(resolver_url("url", "javascript:alert(1)"), None, "only web addresses are linked");
        assert_eq!(resolver_url("isbn", "978-3-16-148410-0"), None);
    }

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
