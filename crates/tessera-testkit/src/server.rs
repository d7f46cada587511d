//! `TestServer`: the real `tessera` binary, started on a free port with its own data folder.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default)]
pub struct TestServerConfig {
    /// A PostgreSQL URL for the catalogue; SQLite in the data folder when `None`.
    pub database_url: Option<String>,
    /// More `TESSERA_*` settings.
    pub env: Vec<(String, String)>,
}

pub struct TestServer {
    pub base_url: String,
    pub data_dir: PathBuf,
    bin: PathBuf,
    config: TestServerConfig,
    bind: String,
    child: Option<Child>,
    _temp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts `bin serve` with a new temporary data folder and waits until `/health` answers.
    pub async fn start(bin: &str, config: TestServerConfig) -> Self {
        let temp = tempfile::tempdir().expect("creating a temporary data folder");
        let mut server = Self::start_in(bin, temp.path(), config).await;
        server._temp = Some(temp);
        server
    }

    /// Starts `bin serve` on an existing data folder.
    pub async fn start_in(bin: &str, data_dir: &Path, config: TestServerConfig) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("finding a free port").port();
        let bind = format!("127.0.0.1:{port}");
        let mut server = Self {
            base_url: format!("http://{bind}"),
            data_dir: data_dir.to_path_buf(),
            bin: PathBuf::from(bin),
            config,
            bind,
            child: None,
            _temp: None,
        };
        server.spawn().await;
        server
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        command.env("TESSERA_LOG", "info,tessera=debug");
        // What the CLI keeps between runs (deposit journals) stays in the test's folder.
        command.env("XDG_STATE_HOME", self.data_dir.join("cli-state"));
        if let Some(url) = &self.config.database_url {
            command.env("TESSERA_DATABASE_URL", url);
        }
        for (key, value) in &self.config.env {
            command.env(key, value);
        }
        command
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log_path()).expect("opening the server log");
        let child = self
            .command()
            .args(["serve", "--data-dir"])
            .arg(&self.data_dir)
            .args(["--bind", &self.bind])
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("starting tessera serve");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = reqwest::Client::new();
        loop {
            if let Ok(res) = client.get(format!("{}/health", self.base_url)).send().await
                && res.status().is_success()
            {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("tessera serve exited with {status} before it was ready:\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "tessera serve did not become ready in 60 s:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_path(&self) -> PathBuf {
        self.data_dir.join("server.log")
    }

    /// Everything the server has printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Kills the server at once, as a power cut would (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Asks the server to shut down (SIGTERM) and waits for it.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        child.wait().ok()
    }

    /// Starts the server again on the same data folder and port.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    /// Starts the server again after `kill`, without stopping anything first.
    pub async fn start_again(&mut self) {
        self.spawn().await;
    }

    /// Changes a `TESSERA_*` setting for the next start.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.config.env.retain(|(k, _)| k != key);
        self.config.env.push((key.to_string(), value.to_string()));
    }

    /// Runs `tessera ARGS --data-dir DIR` against this server's data folder and database.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_command(args).stdin(Stdio::null()).output().expect("running tessera")
    }

    /// Starts `tessera ARGS --data-dir DIR` as `cli` runs it, with its output piped, and
    /// leaves it running.
    pub fn cli_spawn(&self, args: &[&str]) -> std::process::Child {
        self.cli_command(args).stdin(Stdio::null()).spawn().expect("running tessera")
    }

    /// Runs a CLI command with `input` on its standard input.
    pub fn cli_with_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self.cli_command(args).stdin(Stdio::piped()).spawn().expect("running tessera");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("writing stdin");
        child.wait_with_output().expect("tessera finished")
    }

    /// `tessera ARGS --data-dir DIR`, its output piped.
    fn cli_command(&self, args: &[&str]) -> Command {
        let mut command = self.command();
        command.args(args).arg("--data-dir").arg(&self.data_dir).stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    }

    /// Runs a CLI command that must succeed and returns its standard output.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(output.status.success(), "tessera {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Creates a user and returns a new API token for it.
    pub fn user_token(&self, email: &str) -> String {
        self.cli_ok(&["admin", "create-user", email]);
        self.cli_ok(&["admin", "create-token", email]).trim().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("--- tessera serve log ({}) ---\n{}", self.log_path().display(), self.log());
        }
    }
}

/// Output of a command as text, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
