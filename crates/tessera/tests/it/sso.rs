//! Single sign-on against a real OpenID provider (Node.js oidc-provider, on loopback), driven
//! the way a browser does it: redirects, the provider's login and consent forms, cookies.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::cookie::CookieStore;
use serde_json::Value;
use tessera_testkit::{TestServer, TestServerConfig};

use crate::helpers::start;

/// The provider, signing with a key named after `seed`; stopped when dropped.
struct Provider {
    child: Child,
}

impl Provider {
    async fn start(port: u16, redirect_uri: &str, seed: &str) -> Self {
        let script = std::env::var("TESSERA_OIDC_PROVIDER").expect(
            "TESSERA_OIDC_PROVIDER must name scripts/oidc-provider/provider.mjs installed beside its node_modules; scripts/test.sh sets it",
        );
        // Its errors go to a file, read only if it fails to start: a pipe left unread could fill.
        let log = tempfile::NamedTempFile::new().unwrap();
        // Owned from the start, so that it is stopped however this ends.
        let mut provider = Self {
            child: Command::new("node")
                .arg(script)
                .args([&port.to_string(), redirect_uri, seed])
                .stdout(Stdio::null())
                .stderr(log.reopen().unwrap())
                .spawn()
                .expect("starting node"),
        };
        let discovery = format!("http://127.0.0.1:{port}/.well-known/openid-configuration");
        // Node takes well under a second alone, but many seconds with the whole suite on two
        // cores: wait as long as it is alive, within a generous bound.
        for _ in 0..1200 {
            if reqwest::get(&discovery).await.is_ok_and(|r| r.status().is_success()) {
                return provider;
            }
            if let Some(status) = provider.child.try_wait().unwrap() {
                let errors = std::fs::read_to_string(log.path()).unwrap_or_default();
                panic!("the OpenID provider exited ({status}) before answering on port {port}:\n{errors}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the OpenID provider did not answer on port {port} within a minute");
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser: it keeps cookies (for every port of 127.0.0.1, as browsers do) and does not
/// follow redirects by itself, so each step can be looked at.
struct Browser {
    client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    fn new() -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { client, jar }
    }

    /// Starts signing in with `provider` and goes through the provider's login (as `login`)
    /// and consent pages, stopping at the redirect back to Tessera's callback.
    async fn to_callback(&self, server: &TestServer, provider: &str, login: &str) -> String {
        let mut response = self.client.get(server.url(&format!("/login/sso/{provider}?next=/search"))).send().await.unwrap();
        for _ in 0..20 {
            let url = response.url().clone();
            if response.status().is_redirection() {
                let location = response.headers()["location"].to_str().unwrap();
                let next = url.join(location).unwrap();
                if next.as_str().starts_with(&server.url("/auth/callback")) {
                    return next.to_string();
                }
                response = self.client.get(next).send().await.unwrap();
                continue;
            }
            let status = response.status();
            let page = response.text().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{url}: {page}");
            let form: Vec<(&str, &str)> = if page.contains("name=\"login\"") {
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            } else {
                vec![("prompt", "consent")]
            };
            response = self.client.post(url).form(&form).send().await.unwrap();
        }
        panic!("the provider never sent the browser back");
    }

    /// Follows the callback; the answer (a redirect with a session, or a page saying why not).
    async fn callback(&self, url: &str) -> (StatusCode, String) {
        let response = self.client.get(url).send().await.unwrap();
        let status = response.status();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (status, location.unwrap_or(response.text().await.unwrap()))
    }

    async fn sign_in(&self, server: &TestServer, provider: &str, login: &str) -> Value {
        let callback = self.to_callback(server, provider, login).await;
        let (status, location) = self.callback(&callback).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/search"));
        self.session(server).await
    }

    async fn session(&self, server: &TestServer) -> Value {
        let response = self.client.get(server.url("/api/user/session")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    fn cookie(&self, url: &str, name: &str) -> Option<String> {
        let header = self.jar.cookies(&url.parse().unwrap())?;
        header.to_str().unwrap().split("; ").find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_string))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Tessera with two providers configured: `uni`, the real one, and `elsewhere`, the same
/// provider named by an issuer URL that is not the one it states.
async fn tessera_with(op_port: u16, dir: &std::path::Path) -> TestServer {
    let settings = dir.join("tessera.toml");
    let toml = format!(
        "[[oidc]]\nid = \"uni\"\nname = \"University\"\nissuer = \"http://127.0.0.1:{op_port}\"\nclient_id = \"tessera-test\"\n\
         client_secret = \"tessera-test-secret\"\norganization_claim = \"org\"\n\n\
         [[oidc]]\nid = \"elsewhere\"\nissuer = \"http://localhost:{op_port}\"\nclient_id = \"tessera-test\"\n\
         client_secret = \"tessera-test-secret\"\n"
    );
    std::fs::write(&settings, toml).unwrap();
    start(TestServerConfig { env: vec![("TESSERA_CONFIG".into(), settings.display().to_string())], ..Default::default() }).await
}

#[tokio::test]
async fn people_sign_in_with_their_institution() {
    let (op_port, settings) = (free_port(), tempfile::tempdir().unwrap());
    let server = tessera_with(op_port, settings.path()).await;
    let mut provider = Provider::start(op_port, &server.url("/auth/callback"), "one").await;
    server.cli_ok(&["admin", "create-org", "oidc-uni", "OIDC University"]);

    // The sign-in page offers the provider.
    let page = reqwest::get(server.url("/login")).await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/login/sso/uni?next=/\"") && page.contains("Sign in with University"), "{page}");

    // A first sign-in makes the account from the provider's claims, and the organization
    // claim makes the person a depositor there.
    let ada = Browser::new().sign_in(&server, "uni", "ada").await;
    assert_eq!(ada["email"], "ada@example.test");
    let members = server.cli_ok(&["admin", "list-orgs", "oidc-uni"]);
    assert!(members.contains("ada@example.test") && members.contains("depositor"), "{members}");
    assert!(server.log().contains("signed in") && server.log().contains(r#""method":"sso","provider":"uni""#));

    // Signing in again, from another browser, is the same person.
    let again = Browser::new().sign_in(&server, "uni", "ada").await;
    assert_eq!(again["user"], ada["user"]);
    // The trail says the claim gave the role, once: signing in again changed nothing.
    let trail = server.cli_ok(&["audit", "export"]);
    let given: Vec<&str> = trail.lines().filter(|line| line.contains(r#""action":"role-given""#)).collect();
    assert!(given.len() == 1 && given[0].contains("sign-in claim"), "{trail}");

    // The provider rotates its keys: Tessera fetches them again and goes on working.
    drop(provider);
    provider = Provider::start(op_port, &server.url("/auth/callback"), "two").await;
    let rotated = Browser::new().sign_in(&server, "uni", "ada").await;
    assert_eq!(rotated["user"], ada["user"]);
    assert!(server.log().contains("signed with a key not seen before"));

    // An account with the same email made here before is not taken over by the provider.
    server.cli_ok(&["admin", "create-user", "grace@example.test"]);
    let browser = Browser::new();
    let callback = browser.to_callback(&server, "uni", "grace").await;
    let (status, page) = browser.callback(&callback).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("an account with the email grace@example.test already exists"), "{page}");
    drop(provider);
}

#[tokio::test]
async fn tampered_answers_are_refused_and_logged() {
    let (op_port, settings) = (free_port(), tempfile::tempdir().unwrap());
    let server = tessera_with(op_port, settings.path()).await;
    let provider = Provider::start(op_port, &server.url("/auth/callback"), "one").await;
    let refused = |server: &TestServer| server.log().matches("sign in refused").count();

    // A state that is not the browser's own: the answer was meant for another sign-in.
    let browser = Browser::new();
    let callback = browser.to_callback(&server, "uni", "ada").await;
    let (status, page) = browser.callback(&callback.replace("state=", "state=x")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("state mismatch"), "{page}");
    assert_eq!(refused(&server), 1);

    // An issuer parameter naming another provider (a mix-up attack).
    let callback = browser.to_callback(&server, "uni", "ada").await;
    let tampered = callback.replace("iss=http%3A%2F%2F127.0.0.1", "iss=http%3A%2F%2Fevil.example");
    assert_ne!(tampered, callback, "the provider sends its issuer");
    let (status, page) = browser.callback(&tampered).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("not http://127.0.0.1"), "{page}");

    // A nonce that is not the one sent: the ID token belongs to another sign-in.
    let callback = browser.to_callback(&server, "uni", "ada").await;
    let cookie = browser.cookie(&callback, "tessera_sso").expect("the pending sign-in cookie");
    let mut pending: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&cookie).unwrap()).unwrap();
    pending["nonce"] = "another-nonce".into();
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&pending).unwrap());
    browser.jar.add_cookie_str(&format!("tessera_sso={forged}; Path=/auth/callback"), &callback.parse().unwrap());
    let (status, page) = browser.callback(&callback).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("nonce"), "{page}");

    // The same answer a second time: the pending sign-in is used up, and so is the code.
    let (status, _) = browser.callback(&callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A callback no sign-in was started for.
    let (status, page) = Browser::new().callback(&server.url("/auth/callback?code=x&state=y")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("was not started here"), "{page}");

    // A provider whose discovery document names another issuer is not used at all.
    let response = browser.client.get(server.url("/login/sso/elsewhere")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let page = response.text().await.unwrap();
    assert!(page.contains("issuer"), "{page}");
    assert!(server.log().contains("provider discovery failed"));

    // None of this signed anyone in.
    assert_eq!(browser.client.get(server.url("/api/user/session")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert!(refused(&server) >= 3, "{}", server.log());
    drop(provider);
}
