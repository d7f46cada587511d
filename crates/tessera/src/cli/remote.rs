//! What `deposit` and `get` share: which server, which token, and readable API errors.

use serde_json::Value;

/// Files sent or fetched at once: a small file costs a round trip or more, which one at a
/// time would leave the connection idle most of the time.
pub(crate) const FILES_IN_FLIGHT: usize = 8;

/// How many times in a row reading a task may fail, two seconds apart, before `awaited` gives up.
const TASK_READ_TRIES: u32 = 30;

#[derive(Clone, Debug, clap::Args)]
pub(crate) struct RemoteArgs {
    /// The server's base URL [env: TESSERA_SERVER]
    #[arg(long, env = "TESSERA_SERVER", default_value = "http://127.0.0.1:8080", hide_env = true)]
    pub(crate) server: String,
    /// An API token (create one with `tessera admin create-token`) [env: TESSERA_TOKEN]
    #[arg(long, env = "TESSERA_TOKEN", hide_env_values = true, hide_env = true)]
    pub(crate) token: Option<String>,
}

pub(crate) struct Remote {
    pub(crate) client: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Remote {
    pub(crate) fn new(args: &RemoteArgs) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder().user_agent(concat!("tessera-cli/", env!("CARGO_PKG_VERSION"))).build()?;
        Ok(Self { client, base: args.server.trim_end_matches('/').to_string(), token: args.token.clone() })
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request_url(method, &self.url(path))
    }

    /// A request to an address the server gave (such as an upload's `Location`), with the token.
    pub(crate) fn request_url(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, url);
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends a request and returns its JSON body, turning problem+json answers into errors
    /// that list every problem the server reported.
    pub(crate) async fn json(&self, request: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
        let response = request.send().await.map_err(|e| anyhow::anyhow!("{what}: cannot reach the server: {e}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(refused(what, status, &body));
        }
        Ok(body)
    }

    /// Sends a long request (a publish or an unpack) that the server carries on as a task, and
    /// reads the task until it ends, with a spinner saying `doing`. Each read waits on the
    /// server for the end, up to half a minute, so none is sent in vain and the end is known at
    /// once; a server restarting meanwhile runs the task again, and is asked again for a minute.
    /// The answer is the one the request would have had; a server that answers only when done
    /// is read as `json` reads it.
    pub(crate) async fn awaited(&self, request: reqwest::RequestBuilder, what: &str, doing: &str) -> anyhow::Result<Value> {
        let request = request.header("prefer", "respond-async");
        let response = request.send().await.map_err(|e| anyhow::anyhow!("{what}: cannot reach the server: {e}"))?;
        let status = response.status();
        let applied = response.headers().get("preference-applied").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"respond-async"));
        let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut task: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(refused(what, status, &task));
        }
        let (true, Some(location)) = (applied, location) else { return Ok(task) };
        let bar = super::progress_bar(0, "{spinner} {msg} ({elapsed})");
        bar.set_message(doing.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        let mut unread = 0;
        while task["status"] == "running" {
            let reading = self.request_url(reqwest::Method::GET, &location).header("prefer", "wait=30");
            match self.json(reading, &format!("{what}, reading its task")).await {
                Ok(read) => (task, unread) = (read, 0),
                // A server restarting runs its tasks again: it is asked again for a while.
                Err(_) if unread < TASK_READ_TRIES => {
                    unread += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                }
                Err(err) => return Err(err),
            }
        }
        bar.finish_and_clear();
        if task["status"] == "done" {
            return Ok(task["result"].clone());
        }
        let status = task["error"]["status"].as_u64().and_then(|s| reqwest::StatusCode::from_u16(u16::try_from(s).ok()?).ok());
        Err(refused(what, status.unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR), &task["error"]))
    }
}

/// The error for a refused request: its status, detail, and every problem it lists.
fn refused(what: &str, status: reqwest::StatusCode, body: &Value) -> anyhow::Error {
    let detail = body["detail"].as_str().or(body["message"].as_str()).unwrap_or("no details");
    let mut message = format!("{what}: the server answered {status}: {detail}");
    for problem in problems(body) {
        message.push_str(&format!("\n  {problem}"));
    }
    anyhow::anyhow!(message)
}

/// Each problem an answer lists in `errors` (a failed request's, or a draft's that cannot be
/// published yet), as `field: message; message`.
pub(crate) fn problems(body: &Value) -> impl Iterator<Item = String> + '_ {
    body["errors"].as_array().into_iter().flatten().map(|error| {
        let messages: Vec<&str> = error["messages"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        format!("{}: {}", error["field"].as_str().unwrap_or(""), messages.join("; "))
    })
}

pub(crate) use tessera_web::key_path;
