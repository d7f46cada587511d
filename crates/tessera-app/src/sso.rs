//! Single sign-on through OpenID Connect providers: the authorization code flow with PKCE, a
//! state that ties the answer to the browser that asked and a nonce that ties the ID token to
//! this sign-in. A provider's discovery document and keys are fetched on first use and kept;
//! a token signed with a key Tessera has not seen makes it fetch them again, once, so a
//! provider can rotate its keys without anyone restarting Tessera.
//!
//! A person is known by their provider's subject, never by their email alone: an existing
//! account with the same email is linked only when the provider is trusted to verify emails.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IdToken,
    IdTokenClaims, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_catalog::{IdentityUser, UserRow};
use tessera_domain::{OrgId, Role};

use crate::accounts::NewSession;
use crate::audit::Event;
use crate::tessera::now;
use crate::{Error, Result, Tessera};

/// One OpenID provider people may sign in with, as the settings describe it.
#[derive(Clone, Debug)]
pub struct SsoProvider {
    /// A short name for URLs and the identities table, such as `uni-york`.
    pub id: String,
    /// What the sign-in button says: "Sign in with {name}".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// Everyone who signs in here becomes a depositor of this organization.
    pub organization: Option<String>,
    /// A claim (string or list) naming organizations whose depositor the person becomes.
    pub organization_claim: Option<String>,
    /// Whether a first sign-in may join an existing account with the same, provider-verified
    /// email. Only for providers that verify the emails they assert.
    pub link_by_email: bool,
}

/// What the browser keeps between leaving for the provider and coming back. It is the
/// browser's own: changing it can only spoil that browser's sign-in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub provider: String,
    state: String,
    nonce: String,
    verifier: String,
    /// Where to go once signed in.
    pub next: String,
}

impl PendingSignIn {
    /// As a cookie value.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(value: &str) -> Option<Self> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(value).ok()?).ok()
    }
}

/// The parameters the provider sends the browser back with.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SsoCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The issuer that answered (RFC 9207), when the provider says.
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Claims beyond the standard ones, such as an organization claim.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ExtraClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, Value>,
}

impl AdditionalClaims for ExtraClaims {}

type SsoIdToken = IdToken<ExtraClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type SsoClaims = IdTokenClaims<ExtraClaims, CoreGenderClaim>;

/// The configured providers, their discovered metadata and the HTTP client that reaches them.
#[derive(Clone)]
pub(crate) struct Sso {
    providers: Arc<Vec<SsoProvider>>,
    redirect: String,
    http: openidconnect::reqwest::Client,
    metadata: Arc<Mutex<HashMap<String, Arc<CoreProviderMetadata>>>>,
}

impl Sso {
    pub(crate) fn new(providers: Vec<SsoProvider>, public_url: &str) -> Result<Self> {
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects would let a provider's answer send Tessera anywhere.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| Error::BadRequest(format!("cannot make an HTTP client for single sign-on: {e}")))?;
        for provider in &providers {
            IssuerUrl::new(provider.issuer.clone()).map_err(|e| {
                Error::BadRequest(format!("the issuer of provider {}, '{}', is not a URL: {e}", provider.id, provider.issuer))
            })?;
        }
        let redirect = format!("{}/auth/callback", public_url.trim_end_matches('/'));
        Ok(Self { providers: Arc::new(providers), redirect, http, metadata: Default::default() })
    }

    fn provider(&self, id: &str) -> Result<&SsoProvider> {
        self.providers.iter().find(|p| p.id == id).ok_or_else(|| Error::not_found(format!("sign-in provider {id}")))
    }

    /// The provider's metadata and keys: kept from before, or fetched when `fresh` is asked for.
    async fn metadata(&self, provider: &SsoProvider, fresh: bool) -> Result<Arc<CoreProviderMetadata>> {
        if !fresh && let Some(found) = self.metadata.lock().unwrap_or_else(|p| p.into_inner()).get(&provider.id) {
            return Ok(found.clone());
        }
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|e| Error::BadRequest(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::warn!(target: "audit", provider = provider.id, error = %chain(&e), "provider discovery failed");
            Error::ProviderUnavailable(format!("{} could not be reached or described itself wrongly: {}", provider.name, chain(&e)))
        })?;
        let metadata = Arc::new(metadata);
        self.metadata.lock().unwrap_or_else(|p| p.into_inner()).insert(provider.id.clone(), metadata.clone());
        Ok(metadata)
    }

    fn client(&self, provider: &SsoProvider, metadata: &CoreProviderMetadata) -> Result<SsoClient> {
        let redirect = RedirectUrl::new(self.redirect.clone()).map_err(|e| Error::BadRequest(format!("the public URL: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }
}

type SsoClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// An error and its causes on one line, for logs and messages.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Checks an ID token's signature, issuer, audience, expiry and nonce, and that the access
/// token is the one issued with it (not another person's).
fn verify_id_token(
    client: &SsoClient,
    raw: &str,
    nonce: &Nonce,
    access: &openidconnect::AccessToken,
) -> Result<SsoClaims, ClaimsVerificationError> {
    let token: SsoIdToken = raw.parse().map_err(|e| ClaimsVerificationError::Other(format!("it does not parse: {e}")))?;
    let verifier = client.id_token_verifier();
    let claims = token.claims(&verifier, nonce)?;
    if let Some(expected) = claims.access_token_hash() {
        let alg = token.signing_alg().map_err(ClaimsVerificationError::SignatureVerification)?;
        let key = token.signing_key(&verifier).map_err(ClaimsVerificationError::SignatureVerification)?;
        let actual = AccessTokenHash::from_token(access, alg, key).map_err(|e| ClaimsVerificationError::Other(chain(&e)))?;
        if actual != *expected {
            return Err(ClaimsVerificationError::Other("the access token was not issued with it (at_hash mismatch)".into()));
        }
    }
    Ok(claims.clone())
}

/// What Tessera learns about a person at sign-in.
#[derive(Debug, Default)]
struct Profile {
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
    organizations: Vec<String>,
}

impl Tessera {
    /// The providers people may sign in with: id and name, for the sign-in page.
    pub fn sso_providers(&self) -> Vec<(String, String)> {
        self.sso.providers.iter().map(|p| (p.id.clone(), p.name.clone())).collect()
    }

    /// Starts a sign-in: where to send the browser, and what it must bring back.
    pub async fn sso_begin(&self, provider: &str, next: &str) -> Result<(String, PendingSignIn)> {
        let provider = self.sso.provider(provider)?;
        let metadata = self.sso.metadata(provider, false).await?;
        let client = self.sso.client(provider, &metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in &provider.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let pending = PendingSignIn {
            provider: provider.id.clone(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next: next.to_string(),
        };
        Ok((url.to_string(), pending))
    }

    /// Finishes a sign-in when the provider sends the browser back: checks the answer belongs
    /// to this browser's sign-in, exchanges the code, verifies the ID token, finds or makes the
    /// account, and starts a session. Every refusal is logged.
    pub async fn sso_finish(&self, pending: &PendingSignIn, callback: &SsoCallback, address: IpAddr) -> Result<NewSession> {
        let provider = self.sso.provider(&pending.provider)?;
        let detail =
            |reason: Option<&str>| json!({"address": address.to_string(), "method": "sso", "provider": provider.id, "reason": reason});
        match self.sso_person(provider, pending, callback).await {
            Ok(user) => {
                self.audit(Event::new("signed-in", Some(user.id), format!("user {}", user.id)).detail(detail(None))).await?;
                self.start_session(user.id).await
            }
            Err(Error::SignInRefused(reason)) => {
                let event = Event::new("sign-in-refused", None, format!("provider {}", provider.id)).outcome("refused");
                self.audit(event.detail(detail(Some(&reason)))).await?;
                Err(Error::SignInRefused(format!("signing in with {} failed: {reason}", provider.name)))
            }
            Err(other) => Err(other),
        }
    }

    /// The person a provider's answer proves, with their account made or brought up to date;
    /// `SignInRefused` says why an answer does not hold.
    async fn sso_person(&self, provider: &SsoProvider, pending: &PendingSignIn, callback: &SsoCallback) -> Result<UserRow> {
        let refuse = Error::SignInRefused;
        if let Some(error) = &callback.error {
            let description = callback.error_description.as_deref().unwrap_or("no reason given");
            return Err(refuse(format!("the provider answered {error} ({description})")));
        }
        if !callback.state.as_deref().is_some_and(|state| crate::accounts::same_secret(state, &pending.state)) {
            return Err(refuse("the answer does not belong to the sign-in this browser started (state mismatch)".into()));
        }
        if let Some(iss) = &callback.iss
            && iss.trim_end_matches('/') != provider.issuer.trim_end_matches('/')
        {
            return Err(refuse(format!("the answer came from issuer {iss}, not {}", provider.issuer)));
        }
        let code = callback.code.clone().ok_or_else(|| refuse("the answer carries no authorization code".into()))?;
        let mut metadata = self.sso.metadata(provider, false).await?;
        let mut client = self.sso.client(provider, &metadata)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| refuse(format!("the provider has no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.sso.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(answer) => refuse(format!("the provider refused the code: {answer}")),
                other => Error::ProviderUnavailable(format!("{}'s token endpoint failed: {}", provider.name, chain(&other))),
            })?;
        let raw = tokens.id_token().ok_or_else(|| refuse("the provider sent no ID token".into()))?.to_string();
        let nonce = Nonce::new(pending.nonce.clone());
        let access = tokens.access_token();
        let claims = match verify_id_token(&client, &raw, &nonce, access) {
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                tracing::info!(provider = provider.id, "an ID token is signed with a key not seen before; fetching the provider's keys");
                metadata = self.sso.metadata(provider, true).await?;
                client = self.sso.client(provider, &metadata)?;
                verify_id_token(&client, &raw, &nonce, access)
            }
            other => other,
        }
        .map_err(|e| refuse(format!("the ID token is not valid: {}", chain(&e))))?;
        let mut profile = profile_of(&claims, provider);
        if client.user_info_url().is_some() {
            let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = client
                .user_info(tokens.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| refuse(e.to_string()))?
                .request_async(&self.sso.http)
                .await
                .map_err(|e| refuse(format!("the user info answer is not valid: {}", chain(&e))))?;
            merge_user_info(&mut profile, &info, provider);
        }
        let user = self.sso_user(provider, claims.subject().as_str(), &profile).await?;
        for org in &profile.organizations {
            self.join_by_claim(user.id, org).await?;
        }
        Ok(user)
    }

    /// The account this provider's subject belongs to, made or linked on first sign-in, and
    /// its email and name brought up to date.
    async fn sso_user(&self, provider: &SsoProvider, subject: &str, profile: &Profile) -> Result<UserRow> {
        if let Some(user) = self.catalog.user_by_identity(&provider.id, subject).await? {
            let email = profile.email.clone().unwrap_or_else(|| user.email.clone());
            let name = profile.name.clone().or_else(|| user.name.clone());
            if email != user.email || name != user.name {
                match self.catalog.update_profile(user.id, &email, name.as_deref()).await {
                    Ok(()) => return Ok(UserRow { email, name, ..user }),
                    Err(tessera_catalog::Error::Conflict { .. }) => {
                        tracing::warn!(user = user.id.0, "the provider's new email belongs to another account; keeping the old one");
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            return Ok(user);
        }
        // Without an email from the provider, the account gets an address that cannot receive
        // mail (RFC 2606 reserves .invalid), and notifications to it are skipped.
        let email =
            profile.email.clone().unwrap_or_else(|| format!("{}@{}.invalid", &crate::identity::token_hash(subject)[..16], provider.id));
        let owner = match self.catalog.user_by_email(&email).await? {
            None => IdentityUser::New { email: &email, name: profile.name.as_deref() },
            Some(existing) if provider.link_by_email && profile.email_verified => IdentityUser::Existing(existing.id),
            Some(_) => {
                return Err(Error::SignInRefused(format!(
                    "an account with the email {email} already exists; sign in with its password, or ask an administrator to link it"
                )));
            }
        };
        let entry = |user: &UserRow| {
            let event = Event::new("identity-linked", Some(user.id), format!("user {}", user.id));
            vec![self.entry(event.detail(json!({"provider": provider.id, "subject": subject})))]
        };
        Ok(self.catalog.link_identity(&provider.id, subject, owner, &now(), entry).await?)
    }

    /// Makes the person a depositor of an organization a provider names, when it exists.
    async fn join_by_claim(&self, user: tessera_domain::UserId, org: &str) -> Result<()> {
        let Ok(id) = OrgId::parse(org) else {
            tracing::warn!(org, "a provider named an organization that is not a valid id; ignored");
            return Ok(());
        };
        if self.catalog.organization(&id).await?.is_none() {
            tracing::warn!(org, "a provider named an organization Tessera does not have; ignored");
            return Ok(());
        }
        // The provider's claim gives the role; the trail says so the first time.
        let event = Event::new("role-given", Some(user), format!("organization {id}"));
        let entry = self.entry(event.detail(json!({"user": user.0, "role": Role::Depositor.as_str(), "by": "sign-in claim"})));
        self.catalog.add_membership(&id, user, Role::Depositor, &now(), vec![entry]).await?;
        Ok(())
    }
}

fn profile_of(claims: &SsoClaims, provider: &SsoProvider) -> Profile {
    let mut profile = Profile {
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
        organizations: provider.organization.iter().cloned().collect(),
    };
    profile.organizations.extend(organizations_in(&claims.additional_claims().claims, provider));
    profile
}

fn merge_user_info(profile: &mut Profile, info: &UserInfoClaims<ExtraClaims, CoreGenderClaim>, provider: &SsoProvider) {
    if let Some(email) = info.email() {
        profile.email = Some(email.to_string());
        profile.email_verified = info.email_verified().unwrap_or(false);
    }
    if let Some(name) = info.name().and_then(|n| n.get(None)) {
        profile.name = Some(name.to_string());
    }
    for org in organizations_in(&info.additional_claims().claims, provider) {
        if !profile.organizations.contains(&org) {
            profile.organizations.push(org);
        }
    }
}

/// The organization claim's values: one string or a list of them.
fn organizations_in(claims: &serde_json::Map<String, Value>, provider: &SsoProvider) -> Vec<String> {
    let Some(value) = provider.organization_claim.as_ref().and_then(|claim| claims.get(claim)) else { return Vec::new() };
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use openidconnect::core::{CoreResponseType, CoreSubjectIdentifierType};
    use openidconnect::{AccessToken, AuthUrl, EmptyAdditionalProviderMetadata, JsonWebKeySetUrl, ResponseTypes};
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use serde_json::json;

    use super::*;

    const ISSUER: &str = "https://idp.example.org";

    fn key() -> EcdsaKeyPair {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap()
    }

    /// A client of a provider whose published key set holds `key` as `k1`.
    fn client_trusting(key: &EcdsaKeyPair) -> SsoClient {
        let point = key.public_key().as_ref(); // 0x04, then x and y
        let jwk = json!({"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig", "alg": "ES256",
                         "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..])});
        let metadata = CoreProviderMetadata::new(
            IssuerUrl::new(ISSUER.into()).unwrap(),
            AuthUrl::new(format!("{ISSUER}/auth")).unwrap(),
            JsonWebKeySetUrl::new(format!("{ISSUER}/jwks")).unwrap(),
            vec![ResponseTypes::new(vec![CoreResponseType::Code])],
            vec![CoreSubjectIdentifierType::Public],
            vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256],
            EmptyAdditionalProviderMetadata {},
        )
        .set_jwks(serde_json::from_value(json!({"keys": [jwk]})).unwrap());
        let provider = SsoProvider {
            id: "idp".into(),
            name: "IdP".into(),
            issuer: ISSUER.into(),
            client_id: "tessera".into(),
            client_secret: "secret".into(),
            scopes: vec![],
            organization: None,
            organization_claim: None,
            link_by_email: false,
        };
        Sso::new(vec![provider.clone()], "https://tessera.example.org").unwrap().client(&provider, &metadata).unwrap()
    }

    fn signed(key: &EcdsaKeyPair, kid: &str, changes: Value) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut claims = json!({"iss": ISSUER, "sub": "s-1", "aud": "tessera", "iat": now, "exp": now + 300, "nonce": "n-1"});
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        let header = json!({"alg": "ES256", "kid": kid, "typ": "JWT"});
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    #[test]
    fn id_tokens_are_checked_for_every_kind_of_tampering() {
        let (key, stranger) = (key(), key());
        let client = client_trusting(&key);
        let access = AccessToken::new("access".into());
        let verify = |token: &str| verify_id_token(&client, token, &Nonce::new("n-1".into()), &access);

        let claims = verify(&signed(&key, "k1", json!({}))).unwrap();
        assert_eq!(claims.subject().as_str(), "s-1");

        let refusal = |changes: Value| verify(&signed(&key, "k1", changes)).unwrap_err();
        assert!(matches!(refusal(json!({"iss": "https://evil.example"})), ClaimsVerificationError::InvalidIssuer(_)));
        assert!(matches!(refusal(json!({"aud": "another-client"})), ClaimsVerificationError::InvalidAudience(_)));
        assert!(matches!(refusal(json!({"exp": 1_000_000_000})), ClaimsVerificationError::Expired(_)));
        assert!(matches!(refusal(json!({"nonce": "n-2"})), ClaimsVerificationError::InvalidNonce(_)));
        let at_hash = refusal(json!({"at_hash": "bm90IHRoZSBoYXNo"}));
        assert!(at_hash.to_string().contains("at_hash mismatch"), "{at_hash}");

        // Signed by someone else under the provider's key id; and under a key id not published,
        // which is what makes Tessera fetch the provider's keys again.
        let forged = verify(&signed(&stranger, "k1", json!({}))).unwrap_err();
        assert!(matches!(forged, ClaimsVerificationError::SignatureVerification(SignatureVerificationError::CryptoError(_))), "{forged:?}");
        let unknown = verify(&signed(&stranger, "k2", json!({}))).unwrap_err();
        assert!(
            matches!(unknown, ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)),
            "{unknown:?}"
        );
        // A body changed after signing.
        let token = signed(&key, "k1", json!({}));
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(
            json!({"iss": ISSUER, "sub": "admin", "aud": "tessera", "iat": 1_000_000_000, "exp": 4_000_000_000u64, "nonce": "n-1"})
                .to_string(),
        );
        assert!(matches!(verify(&parts.join(".")).unwrap_err(), ClaimsVerificationError::SignatureVerification(_)));
    }

    #[test]
    fn pending_sign_ins_survive_the_cookie_and_garbage_does_not_parse() {
        let pending = PendingSignIn {
            provider: "idp".into(),
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            next: "/records/1?x=a b;c".into(),
        };
        let value = pending.encode();
        assert!(value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{value}");
        assert_eq!(PendingSignIn::decode(&value).unwrap().next, pending.next);
        assert!(PendingSignIn::decode("not-base64!").is_none());
        assert!(PendingSignIn::decode(&URL_SAFE_NO_PAD.encode("{}")).is_none());
    }
}
