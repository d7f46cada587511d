//! Accounts, organizations and their members, and API tokens.

use serde_json::json;
use tessera_catalog::{MemberRow, OrgRow, TokenRow, UserRow};
use tessera_domain::authz::{Action, Membership, ResourceFacts, Role, Scopes, Subject};
use tessera_domain::{DataClass, OrgId, Problem, TokenId, UserId};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::Event;
use crate::tessera::{now, parse_time};
use crate::{Error, Result, Tessera};

/// What someone asks for when making a token.
#[derive(Clone, Debug, Default)]
pub struct TokenRequest {
    /// A label to recognise it by in the list, such as the machine it lives on.
    pub name: String,
    /// None gives the default: read and deposit.
    pub scopes: Option<Scopes>,
    /// RFC 3339 or a date (`2027-06-30`, the end of that day in UTC); None never expires.
    pub expires: Option<String>,
}

/// A token just made: the secret is shown this once and never stored.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub secret: String,
    pub token: TokenRow,
}

impl Tessera {
    /// Who presents this API token. Unknown, expired and revoked tokens are refused, each
    /// with its own reason, and logged.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Subject> {
        let refuse = |reason: &'static str| {
            tracing::warn!(target: "audit", reason, "API token refused");
            Err(Error::BadCredentials { reason })
        };
        let Some((token, user, memberships)) = self.catalog.token_by_hash(&token_hash(secret)).await? else {
            return refuse("the API token is not valid");
        };
        if token.revoked.is_some() {
            return refuse("the API token was revoked");
        }
        if token.expires.as_deref().is_some_and(|expires| parse_time(expires) <= OffsetDateTime::now_utc()) {
            return refuse("the API token has expired");
        }
        let memberships = memberships.into_iter().map(|m| Membership { org: m.org, role: m.role }).collect();
        Ok(Subject { user: Some(user.id), is_admin: user.is_admin, memberships, scopes: token.scopes, link: None })
    }

    pub async fn create_user(&self, subject: &Subject, email: &str, name: Option<&str>, is_admin: bool) -> Result<UserRow> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "accounts").await?;
        let email = email.trim();
        if !email.contains('@') || email.len() < 3 || email.chars().any(char::is_whitespace) {
            return Err(Error::BadRequest(format!("'{email}' is not an email address")));
        }
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let entry = |user: &UserRow| {
            let event = Event::new("account-created", subject.user_id(), format!("user {}", user.id));
            vec![self.entry(event.detail(json!({"platform_administrator": is_admin})))]
        };
        self.catalog.create_user(email, name, is_admin, &now(), entry).await.map_err(conflict)
    }

    async fn user_by_email(&self, email: &str) -> Result<UserRow> {
        self.catalog.user_by_email(email.trim()).await?.ok_or_else(|| Error::not_found(format!("user {}", email.trim())))
    }

    /// Makes a token for the caller. A token can make only tokens with no more scopes than
    /// its own.
    pub async fn create_token(&self, subject: &Subject, request: TokenRequest) -> Result<NewToken> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own tokens").await?;
        let user = subject.user.ok_or(Error::Unauthenticated)?;
        let scopes = request.scopes.unwrap_or(Scopes::DEFAULT_TOKEN);
        if let Some(extra) = scopes.iter().find(|scope| !subject.scopes.contains(*scope)) {
            return Err(Error::BadRequest(format!("this token may not make tokens with the '{}' scope", extra.as_str())));
        }
        self.issue_token(user, request.name, scopes, request.expires).await
    }

    /// Makes a token for the user with this email, from the server's console.
    pub async fn create_token_for(&self, subject: &Subject, email: &str, request: TokenRequest) -> Result<NewToken> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "accounts").await?;
        let user = self.user_by_email(email).await?;
        self.issue_token(user.id, request.name, request.scopes.unwrap_or(Scopes::DEFAULT_TOKEN), request.expires).await
    }

    async fn issue_token(&self, user: UserId, name: String, scopes: Scopes, expires: Option<String>) -> Result<NewToken> {
        if scopes == Scopes::default() {
            return Err(Error::BadRequest("a token needs at least one scope: read, deposit, steward or admin".into()));
        }
        let expires = expires.map(|text| expiry(&text)).transpose()?;
        let secret = crate::accounts::random_token()?;
        let mut token =
            TokenRow { id: TokenId(0), user_id: user, name: name.trim().to_string(), scopes, created: now(), expires, revoked: None };
        let detail = json!({"scopes": scopes.to_text(), "expires": token.expires});
        let entry = |id: i64| vec![self.entry(Event::new("token-created", Some(user), format!("token {id}")).detail(detail))];
        token.id = self.catalog.create_token(&token, &token_hash(&secret), entry).await?;
        Ok(NewToken { secret, token })
    }

    pub async fn tokens(&self, subject: &Subject) -> Result<Vec<TokenRow>> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own tokens").await?;
        Ok(self.catalog.tokens_of(subject.user.ok_or(Error::Unauthenticated)?).await?)
    }

    /// Revokes one of the caller's tokens at once.
    pub async fn revoke_token(&self, subject: &Subject, id: TokenId) -> Result<()> {
        self.authorize(subject, Action::ListOwn, &ResourceFacts::default(), "own tokens").await?;
        let user = subject.user.ok_or(Error::Unauthenticated)?;
        let entry = self.entry(Event::new("token-revoked", Some(user), format!("token {id}")));
        if !self.catalog.revoke_token(user, id, &now(), vec![entry]).await? {
            return Err(Error::not_found(format!("token {id}")));
        }
        Ok(())
    }

    // Organizations.

    pub async fn create_organization(&self, subject: &Subject, id: &str, name: &str, ror: Option<&str>) -> Result<OrgRow> {
        self.authorize(subject, Action::AdministerPlatform, &ResourceFacts::default(), "organizations").await?;
        let id = OrgId::parse(id.trim()).map_err(Error::BadRequest)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::BadRequest("an organization needs a name".into()));
        }
        let ror = ror.map(str::trim).filter(|r| !r.is_empty()).map(normalise_ror).transpose()?;
        let org = OrgRow { id, name: name.to_string(), ror, created: now() };
        let entry = self.entry(Event::new("organization-created", subject.user_id(), format!("organization {}", org.id)));
        self.catalog.create_organization(&org, vec![entry]).await.map_err(conflict)?;
        Ok(org)
    }

    pub async fn organizations(&self) -> Result<Vec<OrgRow>> {
        Ok(self.catalog.organizations().await?)
    }

    pub async fn organization(&self, id: &OrgId) -> Result<OrgRow> {
        self.catalog.organization(id).await?.ok_or_else(|| Error::not_found(format!("organization {id}")))
    }

    pub async fn members(&self, subject: &Subject, org: &OrgId) -> Result<Vec<MemberRow>> {
        self.authorize_org(subject, org, Action::ManageOrganization, &format!("organization {org}")).await?;
        Ok(self.catalog.members_of(org).await?)
    }

    pub async fn add_member(&self, subject: &Subject, org: &OrgId, email: &str, role: Role) -> Result<MemberRow> {
        self.authorize_org(subject, org, Action::ManageOrganization, &format!("organization {org}")).await?;
        let user = self.user_by_email(email).await?;
        let event = Event::new("role-given", subject.user_id(), format!("organization {org}"));
        let entry = self.entry(event.detail(json!({"user": user.id.0, "role": role.as_str()})));
        // Giving a role someone holds already changes nothing, and the trail says nothing.
        self.catalog.add_membership(org, user.id, role, &now(), vec![entry]).await?;
        Ok(MemberRow { org: org.clone(), user: user.id, email: user.email, role })
    }

    pub async fn remove_member(&self, subject: &Subject, org: &OrgId, user: UserId, role: Role) -> Result<()> {
        self.authorize_org(subject, org, Action::ManageOrganization, &format!("organization {org}")).await?;
        let event = Event::new("role-taken-away", subject.user_id(), format!("organization {org}"));
        let entry = self.entry(event.detail(json!({"user": user.0, "role": role.as_str()})));
        if !self.catalog.remove_membership(org, user, role, vec![entry]).await? {
            return Err(Error::not_found(format!("{role} membership of user {user} in {org}")));
        }
        Ok(())
    }

    /// `org` trusts `trusted` for `class`: its members' requests for such datasets of `org`
    /// are granted at once.
    pub async fn add_trust(&self, subject: &Subject, org: &OrgId, trusted: &OrgId, class: DataClass) -> Result<()> {
        self.authorize_org(subject, org, Action::ManageOrganization, &format!("organization {org}")).await?;
        self.organization(trusted).await?;
        if matches!(class, DataClass::Public | DataClass::Registered) {
            return Err(Error::BadRequest(format!("{class} data needs no grant, so there is nothing to trust a partner with")));
        }
        let event = Event::new("partner-trusted", subject.user_id(), format!("organization {org}"));
        let entry = self.entry(event.detail(json!({"partner": trusted.as_str(), "data_class": class})));
        self.catalog.add_trust(org, trusted, class, &now(), vec![entry]).await?;
        Ok(())
    }

    pub async fn remove_trust(&self, subject: &Subject, org: &OrgId, trusted: &OrgId, class: DataClass) -> Result<()> {
        self.authorize_org(subject, org, Action::ManageOrganization, &format!("organization {org}")).await?;
        let event = Event::new("partner-trust-ended", subject.user_id(), format!("organization {org}"));
        let entry = self.entry(event.detail(json!({"partner": trusted.as_str(), "data_class": class})));
        if !self.catalog.remove_trust(org, trusted, class, vec![entry]).await? {
            return Err(Error::not_found(format!("trust of {org} in {trusted} for {class} data")));
        }
        Ok(())
    }

    pub async fn trusts(&self, org: &OrgId) -> Result<Vec<(OrgId, DataClass)>> {
        self.organization(org).await?;
        Ok(self.catalog.trusts_of(org).await?)
    }

    /// Decides `action` on an organization as a whole (it must exist); `target` names it in
    /// the audit trail.
    pub(crate) async fn authorize_org(&self, subject: &Subject, org: &OrgId, action: Action, target: &str) -> Result<()> {
        self.organization(org).await?;
        let facts = ResourceFacts { organization: Some(org.clone()), ..ResourceFacts::default() };
        self.authorize(subject, action, &facts, target).await?;
        Ok(())
    }
}

/// Tokens are random, so a fast hash is enough to keep them unusable if the database leaks.
pub(crate) fn token_hash(token: &str) -> String {
    tessera_storage::sha256_hex(token.as_bytes())
}

fn conflict(err: tessera_catalog::Error) -> Error {
    match err {
        tessera_catalog::Error::Conflict { what } => Error::Conflict(format!("{what} already exists")),
        other => other.into(),
    }
}

/// An expiry as RFC 3339 UTC, from RFC 3339 or a plain date (the end of that day, UTC). Every
/// caller reads it from a field named `expires`, which a refusal names.
pub(crate) fn expiry(text: &str) -> Result<String> {
    let text = text.trim();
    let bad = || Error::Validation(vec![Problem::new("expires", format!("'{text}' is not a date (2027-06-30) or an RFC 3339 time"))]);
    let parsed = match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(time) => time,
        Err(_) => time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| bad())?
            .with_hms(23, 59, 59)
            .map_err(|_| bad())?
            .assume_utc(),
    };
    if parsed <= OffsetDateTime::now_utc() {
        return Err(Error::Validation(vec![Problem::new("expires", format!("the expiry {text} is in the past"))]));
    }
    let utc = parsed.to_offset(time::UtcOffset::UTC);
    Ok(utc.replace_nanosecond(0).unwrap_or(utc).format(&Rfc3339).unwrap_or_default())
}

/// A ROR id in its normal form, after checking its form and check digits.
fn normalise_ror(ror: &str) -> Result<String> {
    tessera_domain::identifiers::normalize_ror(ror).map_err(|message| Error::BadRequest(format!("ror: {message}")))
}
