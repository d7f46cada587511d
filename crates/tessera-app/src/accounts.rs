//! Local passwords and browser sessions.
//!
//! Passwords are argon2id PHC strings. Signing in answers the same way, after the same work,
//! whether the email is unknown or the password wrong, and failures are throttled per account
//! and per address. A session is a random id in an HttpOnly cookie, stored only as a hash,
//! with its own CSRF token; every sign-in makes a new one.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde_json::json;
use tessera_catalog::SessionRow;
use tessera_domain::UserId;
use tessera_domain::authz::{Action, Membership, ResourceFacts, Scopes, Subject};
use time::OffsetDateTime;

use crate::audit::Event;
use crate::tessera::{from_now, now, parse_time};
use crate::{Error, Result, Tessera};

/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD: usize = 1024;
/// Failed sign-ins allowed per account, and per address, within `WINDOW`.
const ACCOUNT_FAILURES: usize = 5;
const ADDRESS_FAILURES: usize = 20;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The one answer to a wrong email or password, so neither can be told from the other.
pub const WRONG_CREDENTIALS: &str = "the email or password is wrong";

/// A session just made: the secret goes into the cookie and is never stored.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
    pub expires: String,
}

/// A session presented by a browser, as the decision point sees it.
#[derive(Clone, Debug)]
pub struct Session {
    pub subject: Subject,
    pub email: String,
    pub csrf: String,
}

/// Recent failed sign-ins, per account and per address. In memory: a restart forgets them,
/// which costs an attacker a restart they cannot cause.
#[derive(Clone, Default)]
pub(crate) struct Throttle {
    failures: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

impl Throttle {
    /// Seconds until `key` may try again, if it has failed `limit` times within the window.
    fn wait(&self, key: &str, limit: usize) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let times = failures.get_mut(key)?;
        while times.front().is_some_and(|t| t.elapsed() >= WINDOW) {
            times.pop_front();
        }
        (times.len() >= limit).then(|| times.front().map_or(1, |first| (WINDOW - first.elapsed()).as_secs().max(1)))
    }

    fn fail(&self, key: String) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.entry(key).or_default().push_back(Instant::now());
    }

    fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

impl Tessera {
    /// Sets a person's password, from the server's console. Their sessions end.
    pub async fn set_password(&self, subject: &Subject, email: &str, password: &str) -> Result<()> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "accounts").await?;
        let user = self.catalog.user_by_email(email.trim()).await?.ok_or_else(|| Error::not_found(format!("user {}", email.trim())))?;
        let hash = hash_password(password).await?;
        let entry = self.entry(Event::new("password-set", subject.user_id(), format!("user {}", user.id)));
        self.catalog.set_password_hash(user.id, Some(&hash), vec![entry]).await?;
        Ok(())
    }

    /// Signs in with an email and password; a new session each time.
    pub async fn sign_in(&self, email: &str, password: &str, address: IpAddr) -> Result<NewSession> {
        let email = email.trim().to_string();
        let (account_key, address_key) = (format!("account:{email}"), format!("address:{address}"));
        if let Some(seconds) = self.throttle.wait(&account_key, ACCOUNT_FAILURES).or(self.throttle.wait(&address_key, ADDRESS_FAILURES)) {
            let event = Event::new("sign-in-throttled", None, format!("account {email}")).outcome("refused");
            self.audit(event.detail(json!({"address": address.to_string()}))).await?;
            return Err(Error::TooManyAttempts { retry_after: seconds });
        }
        let found = self.catalog.user_with_password(&email).await?;
        let stored = found.as_ref().and_then(|(_, hash)| hash.clone());
        // An unknown account still pays for one verification, so timing tells nothing.
        let valid = verify_password(password, stored.as_deref()).await? && stored.is_some();
        let Some((user, _)) = found.filter(|_| valid) else {
            self.throttle.fail(account_key);
            self.throttle.fail(address_key);
            let event = Event::new("sign-in-refused", None, format!("account {email}")).outcome("refused");
            self.audit(event.detail(json!({"address": address.to_string(), "method": "password"}))).await?;
            return Err(Error::BadCredentials { reason: WRONG_CREDENTIALS });
        };
        self.throttle.clear(&account_key);
        let event = Event::new("signed-in", Some(user.id), format!("user {}", user.id));
        self.audit(event.detail(json!({"address": address.to_string(), "method": "password"}))).await?;
        self.start_session(user.id).await
    }

    /// A new session for someone who has just proved who they are.
    pub(crate) async fn start_session(&self, user: UserId) -> Result<NewSession> {
        let (secret, csrf) = (random_token()?, random_token()?);
        let expires = from_now(time::Duration::seconds(SESSION_LIFETIME.as_secs() as i64));
        let session = SessionRow { user_id: user, csrf: csrf.clone(), created: now(), expires: expires.clone() };
        self.catalog.create_session(&crate::identity::token_hash(&secret), &session).await?;
        Ok(NewSession { secret, csrf, expires })
    }

    /// Who holds this session cookie. A forged or ended session is refused and logged.
    pub async fn authenticate_session(&self, secret: &str) -> Result<Session> {
        let refuse = |reason: &'static str| {
            tracing::warn!(target: "audit", reason, "session refused");
            Err(Error::BadCredentials { reason })
        };
        let Some((session, user)) = self.catalog.session(&crate::identity::token_hash(secret)).await? else {
            return refuse("the session is not valid; sign in again");
        };
        if parse_time(&session.expires) <= OffsetDateTime::now_utc() {
            return refuse("the session has expired; sign in again");
        }
        let memberships =
            self.catalog.memberships_of(user.id).await?.into_iter().map(|m| Membership { org: m.org, role: m.role }).collect();
        let subject = Subject { user: Some(user.id), is_admin: user.is_admin, memberships, scopes: Scopes::ALL, link: None };
        Ok(Session { subject, email: user.email, csrf: session.csrf })
    }

    pub async fn sign_out(&self, secret: &str) -> Result<()> {
        Ok(self.catalog.delete_session(&crate::identity::token_hash(secret)).await?)
    }
}

async fn hash_password(password: &str) -> Result<String> {
    let length = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
        return Err(Error::BadRequest(format!("a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")));
    }
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| std::io::Error::other("no system randomness"))?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Corrupt(e.to_string()))?;
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| Error::Corrupt(e.to_string()))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Verifies against `stored`, or against a fixed hash when there is none, so both cost the same.
async fn verify_password(password: &str, stored: Option<&str>) -> Result<bool> {
    // An argon2id hash of a random password nobody knows, with the default parameters.
    const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$VGAlMY7i6XRWDEK6ABgHXtFcgbUFsoy7U/oRzfsj4ko";
    let (password, stored) = (password.to_string(), stored.unwrap_or(DECOY).to_string());
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored).map_err(|e| Error::Corrupt(format!("a stored password hash: {e}")))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Compares two secrets in constant time; an empty expected secret matches nothing.
pub fn same_secret(sent: &str, expected: &str) -> bool {
    let (sent, expected) = (sent.as_bytes(), expected.as_bytes());
    !expected.is_empty() && sent.len() == expected.len() && sent.iter().zip(expected).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

/// 256 random bits as hex: session ids, API tokens and CSRF tokens.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| std::io::Error::other("no system randomness"))?;
    Ok(tessera_storage::hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_and_verify_and_the_decoy_parses() {
        let hash = hash_password("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!verify_password("wrong horse battery", Some(&hash)).await.unwrap());
        assert!(!verify_password("anything at all", None).await.unwrap(), "the decoy is a real hash nobody matches");
        assert!(hash_password("short").await.is_err());
    }

    #[test]
    fn throttle_counts_failures_within_the_window() {
        let throttle = Throttle::default();
        for _ in 0..ACCOUNT_FAILURES {
            assert_eq!(throttle.wait("k", ACCOUNT_FAILURES), None);
            throttle.fail("k".into());
        }
        assert!(throttle.wait("k", ACCOUNT_FAILURES).is_some_and(|s| s > 0 && s <= WINDOW.as_secs()));
        throttle.clear("k");
        assert_eq!(throttle.wait("k", ACCOUNT_FAILURES), None);
    }
}
