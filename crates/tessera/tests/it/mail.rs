//! Notifications reach people through a real SMTP server: aiosmtpd, delivering to a Maildir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, start};

/// aiosmtpd on a free port, storing every message as a file; stopped when dropped.
pub(crate) struct MailSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl MailSink {
    pub(crate) async fn start() -> Self {
        let python = std::env::var("TESSERA_TEST_PYTHON")
            .expect("TESSERA_TEST_PYTHON must name the venv's python with aiosmtpd; scripts/test.sh sets it");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting aiosmtpd");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Self { child, port, maildir, _dir: dir };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    /// Every message received so far, as text, with quoted-printable line breaks undone.
    pub(crate) fn messages(&self) -> Vec<String> {
        let read = |dir: &Path| -> Vec<String> {
            std::fs::read_dir(dir).into_iter().flatten().flatten().filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect()
        };
        read(&self.maildir.join("new")).into_iter().map(|m| m.replace("=\n", "").replace("=3D", "=")).collect()
    }

    /// Waits until a message to `to` whose text contains `needle` has arrived.
    pub(crate) async fn wait_for(&self, to: &str, needle: &str) -> String {
        for _ in 0..100 {
            if let Some(found) = self.messages().into_iter().find(|m| m.contains(&format!("To: {to}")) && m.contains(needle)) {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no message to {to} containing {needle:?}; got {:#?}", self.messages());
    }
}

impl MailSink {
    /// The settings that make a server mail through this sink and send at once.
    pub(crate) fn server_env(&self) -> Vec<(String, String)> {
        vec![
            ("TESSERA_SMTP_URL".to_string(), format!("smtp://127.0.0.1:{}", self.port)),
            ("TESSERA_MAIL_FROM".to_string(), "Tessera <repository@example.org>".to_string()),
            ("TESSERA_JOBS_INTERVAL_SECONDS".to_string(), "1".to_string()),
        ]
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn access_requests_and_decisions_are_mailed() {
    let sink = MailSink::start().await;
    let server = start(TestServerConfig { env: sink.server_env(), ..Default::default() }).await;
    server.cli_ok(&["admin", "create-org", "trust", "Hospital Trust"]);
    let owner = Api::new(&server, Some(server.user_token("owner@example.org")));
    server.cli_ok(&["admin", "add-member", "trust", "owner@example.org", "depositor"]);
    server.cli_ok(&["admin", "create-user", "steward@example.org"]);
    server.cli_ok(&["admin", "add-member", "trust", "steward@example.org", "steward"]);
    let steward =
        Api::new(&server, Some(server.cli_ok(&["admin", "create-token", "steward@example.org", "--scopes", "read steward"]).trim().into()));
    let researcher = Api::new(&server, Some(server.user_token("researcher@example.org")));

    let body = json!({"organization": "trust", "metadata": metadata("Ward admissions"), "access": {"files": "restricted"}});
    let id = owner.draft_from(body, &[("a.csv", b"a\n")]).await;
    owner.publish(&id).await;
    let ask = json!({"purpose": "Winter pressures study", "intended_use": "counts per week", "duration_days": 30});
    let (status, request) = researcher.post(&format!("/api/records/{id}/access/requests"), ask).await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    let to_steward = sink.wait_for("steward@example.org", "Winter pressures study").await;
    assert!(to_steward.contains("From: Tessera <repository@example.org>") && to_steward.contains("researcher@example.org"), "{to_steward}");
    assert!(!sink.messages().iter().any(|m| m.contains("To: owner@example.org")), "depositors of an organization's data do not decide");

    let rid = request["id"].as_str().unwrap();
    steward.post(&format!("/api/access/requests/{rid}/approve"), json!({"field_of_use": "NHS planning"})).await;
    let approved = sink.wait_for("researcher@example.org", "approved").await;
    assert!(approved.contains("NHS planning") && approved.contains(&format!("/api/access/requests/{rid}/accept")), "{approved}");
    let (_, grant) = researcher.post(&format!("/api/access/requests/{rid}/accept"), json!({})).await;
    sink.wait_for("steward@example.org", "now has access").await;
    let gid = grant["id"].as_str().unwrap();
    steward.post(&format!("/api/access/grants/{gid}/revoke"), json!({"reason": "study closed"})).await;
    sink.wait_for("researcher@example.org", "study closed").await;
    assert!(server.log().contains("mail sent"));
}
