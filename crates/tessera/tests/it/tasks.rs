//! Long requests asked with `Prefer: respond-async`: a publish or an unpack is answered at
//! once with its task, which ends as the request would have: done with its answer, or failed
//! with its problem. A graceful stop waits for tasks; after a crash, the restart runs them
//! again as far as they were not done.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::TestServerConfig;

use crate::helpers::{Api, metadata, person, start};

/// A stored zip of `count` small files under `folder`, made by Python's zipfile.
fn zip_of(dir: &std::path::Path, name: &str, folder: &str, count: usize) -> Vec<u8> {
    let python = std::env::var("TESSERA_TEST_PYTHON").expect("TESSERA_TEST_PYTHON names a Python; scripts/test.sh sets it");
    let script = "import sys, zipfile\n\
                  with zipfile.ZipFile(sys.argv[1], 'w') as z:\n    \
                  [z.writestr(f'{sys.argv[2]}/f{i:05}.txt', f'line {i}\\n') for i in range(int(sys.argv[3]))]";
    let path = dir.join(name);
    let output = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&path)
        .arg(folder)
        .arg(count.to_string())
        .output()
        .expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read(path).unwrap()
}

/// Sends `path` as a POST preferring an early answer; returns the status, the `Location`, and
/// the body.
async fn post_async(api: &Api, path: &str) -> (StatusCode, Option<String>, Value) {
    post_preferring(api, path, "respond-async").await
}

async fn post_preferring(api: &Api, path: &str, prefer: &str) -> (StatusCode, Option<String>, Value) {
    let response = api.request(Method::POST, path).header("prefer", prefer).send().await.expect("request sent");
    let status = response.status();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let location = headers.get("location").map(|v| v.to_str().unwrap().to_string());
    // A task's answer, and only a task's, says the preference was applied.
    let applied = headers.get("preference-applied").map(|v| v.to_str().unwrap());
    assert_eq!(applied, location.as_ref().map(|_| "respond-async"), "{status} {body}");
    if location.is_some() {
        assert_eq!((status, headers.get("retry-after").map(|v| v.to_str().unwrap())), (StatusCode::ACCEPTED, Some("1")));
    }
    (status, location, body)
}

/// The path of a task's address.
fn path_of(location: &str) -> String {
    location.split_once("/api/").map(|(_, rest)| format!("/api/{rest}")).expect("a task's address")
}

/// Reads the task at `location` until it ends.
async fn ended(api: &Api, location: &str) -> Value {
    let path = path_of(location);
    for _ in 0..600 {
        let (status, task) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{task}");
        if task["status"] != "running" {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the task at {location} did not end within a minute");
}

async fn keys(api: &Api, id: &str) -> Vec<String> {
    let (_, files) = api.get(&format!("/api/records/{id}/draft/files?size=100")).await;
    files["entries"].as_array().unwrap().iter().filter_map(|f| f["key"].as_str().map(String::from)).collect()
}

#[tokio::test]
async fn publishes_and_unpacks_asked_to_answer_at_once_go_on_as_tasks() {
    let server = start(TestServerConfig::default()).await;
    let api = person(&server, "ada@example.org", None);
    let other = person(&server, "bo@example.org", None);
    let dir = tempfile::tempdir().unwrap();
    let survey = zip_of(dir.path(), "survey.zip", "survey", 400);
    let again = zip_of(dir.path(), "again.zip", "survey", 3);
    let id = api.draft_with_files(metadata("Tasks"), &[("survey.zip", &survey), ("again.zip", &again), ("readme.txt", b"Read me.")]).await;

    // What can be checked without reading the archive is refused at once, with no task.
    let unpack = |key: &str| format!("/api/records/{id}/draft/files/{key}/unpack");
    let (status, location, body) = post_async(&api, &unpack("missing.zip")).await;
    assert_eq!((status, location), (StatusCode::NOT_FOUND, None), "{body}");
    let (status, _, body) = post_async(&api, &unpack("readme.txt")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("not a zip or tar archive"), "{body}");
    let (status, _, _) = post_async(&other, &unpack("survey.zip")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An unpack answered at once: the task runs, then is done with what the unpack added.
    let (status, location, task) = post_async(&api, &format!("{}?into=raw", unpack("survey.zip"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{task}");
    let location = location.expect("Location names the task");
    assert_eq!((task["kind"].as_str(), task["status"].as_str()), (Some("unpack"), Some("running")), "{task}");
    assert_eq!(task["links"]["self"], location);
    assert!(task["result"].is_null() && task["error"].is_null());
    let done = ended(&api, &location).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!((done["result"]["files"].as_u64(), done["result"]["archive_kept"].as_bool()), (Some(400), Some(false)), "{done}");
    assert!(done["result"]["links"]["files"].as_str().unwrap().ends_with(&format!("/api/records/{id}/draft/files")));
    let (_, listed) = api.get(&format!("/api/records/{id}/draft/files?size=1")).await;
    assert_eq!(listed["total"], 402, "{listed}");

    // Only its asker reads a task; without a token it asks for one.
    let task_path = format!("/api/tasks/{}", done["id"].as_str().unwrap());
    let (status, body) = other.get(&task_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(Api::new(&server, None).get(&task_path).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(api.get("/api/tasks/no-such-task").await.0, StatusCode::NOT_FOUND);

    // An archive whose entries clash with the draft's files fails as the request would have,
    // and changes nothing.
    let before = keys(&api, &id).await;
    let (status, location, _) = post_async(&api, &format!("{}?into=raw", unpack("again.zip"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let failed = ended(&api, &location.unwrap()).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["status"], 400, "{failed}");
    assert_eq!(failed["error"]["type"], "/problems/validation", "{failed}");
    assert!(failed["error"].to_string().contains("is already a file of the draft"), "{failed}");
    assert!(failed["result"].is_null());
    assert_eq!(keys(&api, &id).await, before);

    // A publish that the draft's problems stop fails with every problem, and gives the draft
    // back to its editors.
    let bare = api.draft_with_files(json!({"title": "Untitled so far"}), &[("a.txt", b"a")]).await;
    let (status, location, task) = post_async(&api, &format!("/api/records/{bare}/draft/actions/publish")).await;
    assert_eq!((status, task["kind"].as_str()), (StatusCode::ACCEPTED, Some("publish")), "{task}");
    let failed = ended(&api, &location.unwrap()).await;
    assert_eq!((failed["status"].as_str(), failed["error"]["status"].as_u64()), (Some("failed"), Some(400)), "{failed}");
    let fields: Vec<&str> = failed["error"]["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(fields.contains(&"metadata.creators") && fields.contains(&"metadata.resource_type"), "{failed}");
    // The deposit page come back to with the task shows the problems beside the form.
    let ada = crate::sessions::session_of(&server, "ada@example.org").await;
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = |path: String| browser.get(server.url(&path)).header("cookie", &ada).send();
    let shown = page(format!("/uploads/{bare}?publishing={}", failed["id"].as_str().unwrap())).await.unwrap();
    assert_eq!(shown.status(), StatusCode::BAD_REQUEST);
    let shown = shown.text().await.unwrap();
    assert!(shown.contains("3 problems to fix before publishing") && shown.contains("href=\"#resource_type\""), "{shown}");
    // Asked to wait a while first, a task that ends meanwhile is answered as the request
    // would have been without the preference: here, with every problem at once.
    let (status, location, body) =
        post_preferring(&api, &format!("/api/records/{bare}/draft/actions/publish"), "respond-async, wait=20").await;
    assert_eq!((status, location, body["errors"].as_array().map(Vec::len)), (StatusCode::BAD_REQUEST, None, Some(fields.len())), "{body}");
    assert_eq!(api.put(&format!("/api/records/{bare}/draft"), json!({"metadata": metadata("Titled")})).await.0, StatusCode::OK);

    // A publish answered at once: done, with the record as it now reads.
    assert_eq!(api.delete(&format!("/api/records/{id}/draft/files/again.zip")).await.0, StatusCode::NO_CONTENT);
    let (status, location, _) = post_async(&api, &format!("/api/records/{id}/draft/actions/publish")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let published = ended(&api, &location.unwrap()).await;
    assert_eq!(published["status"], "done", "{published}");
    assert_eq!(published["result"]["id"], id.as_str(), "{published}");
    assert_eq!(published["result"]["files"]["count"], 401, "{published}");
    assert!(published["links"]["record"].as_str().unwrap().ends_with(&format!("/api/records/{id}")));
    let (status, record) = api.get(&format!("/api/records/{id}")).await;
    assert_eq!((status, &record["metadata"]["title"]), (StatusCode::OK, &json!("Tasks")));
    // The deposit page come back to once the publish is done leads to the record.
    let shown = page(format!("/uploads/{id}?publishing={}", published["id"].as_str().unwrap())).await.unwrap();
    assert_eq!((shown.status(), shown.headers()["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, format!("/records/{id}").as_str()));
    // Without the preference, the publish waits and answers with the record, as before.
    assert_eq!(api.publish(&bare).await["id"], bare.as_str());

    // An unpack answered at once is read with a wait: one read, answered as the task ends.
    let many = zip_of(dir.path(), "many.zip", "many", 3000);
    let waited = api.draft_with_files(metadata("Waited for"), &[("many.zip", &many), ("small.zip", &again)]).await;
    let (status, location, _) = post_async(&api, &format!("/api/records/{waited}/draft/files/many.zip/unpack")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let read = api.request(Method::GET, &path_of(&location.unwrap())).header("prefer", "wait=50");
    let (status, task) = api.send(read).await;
    assert_eq!((status, task["status"].as_str(), task["result"]["files"].as_u64()), (StatusCode::OK, Some("done"), Some(3000)), "{task}");
    // One that ends within the wait is answered as an unpack without the preference is.
    let (status, location, body) =
        post_preferring(&api, &format!("/api/records/{waited}/draft/files/small.zip/unpack?into=small"), "respond-async, wait=20").await;
    assert_eq!((status, location, body["files"].as_u64()), (StatusCode::OK, None, Some(3)), "{body}");
    // While a publish goes on, the deposit page says so; once it is done, it leads to the record.
    let (_, location, _) = post_async(&api, &format!("/api/records/{waited}/draft/actions/publish")).await;
    let task = path_of(&location.unwrap()).rsplit('/').next().unwrap().to_string();
    let shown = page(format!("/uploads/{waited}?publishing={task}")).await.unwrap();
    match shown.status() {
        StatusCode::OK => assert!(shown.text().await.unwrap().contains("The dataset is being published")),
        status => assert_eq!(
            (status, shown.headers()["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, format!("/records/{waited}").as_str())
        ),
    }
    assert_eq!(ended(&api, &format!("/api/tasks/{task}")).await["status"], "done");
}

/// A graceful stop waits for the tasks in progress; after a crash, the restart runs each again
/// as far as it was not done.
#[tokio::test]
async fn a_stop_finishes_tasks_and_a_restart_after_a_crash_runs_them_again() {
    let mut server = start(TestServerConfig::default()).await;
    let api = person(&server, "ada@example.org", None);
    let dir = tempfile::tempdir().unwrap();
    let many = zip_of(dir.path(), "many.zip", "many", 5000);

    // Stopped gracefully at once, the server still unpacks the archive before it goes.
    let id = api.draft_with_files(metadata("Stopped"), &[("many.zip", &many)]).await;
    let (status, location, _) = post_async(&api, &format!("/api/records/{id}/draft/files/many.zip/unpack")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    server.restart().await;
    let task = ended(&api, &location.unwrap()).await;
    assert_eq!(task["status"], "done", "{task}");
    let (_, listed) = api.get(&format!("/api/records/{id}/draft/files?size=1")).await;
    assert_eq!(listed["total"], 5000, "{listed}");

    // Killed at once, with both tasks under way.
    let unpacking = api.draft_with_files(metadata("Unpacking"), &[("many.zip", &many)]).await;
    let (_, unpack, _) = post_async(&api, &format!("/api/records/{unpacking}/draft/files/many.zip/unpack")).await;
    let (_, publish, _) = post_async(&api, &format!("/api/records/{id}/draft/actions/publish")).await;
    server.kill();
    server.start_again().await;

    // The restart runs both again as far as they were not done, and both end done.
    let task = ended(&api, &unpack.unwrap()).await;
    assert_eq!((task["status"].as_str(), task["result"]["files"].as_u64()), (Some("done"), Some(5000)), "{task}");
    let (_, listed) = api.get(&format!("/api/records/{unpacking}/draft/files?size=1")).await;
    assert_eq!(listed["total"], 5000, "{listed}");
    let task = ended(&api, &publish.unwrap()).await;
    assert_eq!(task["status"], "done", "{task}");
    assert_eq!(task["result"]["files"]["count"], 5000, "{task}");
    let (draft, _) = api.get(&format!("/api/records/{id}/draft")).await;
    assert_eq!(draft, StatusCode::NOT_FOUND);
    assert!(server.log().contains("running again a task a stop interrupted"), "the kill came before the tasks ended");
    server.cli_ok(&["verify"]);
}

/// `tessera deposit --publish` rides out a server killed while it publishes: the restarted
/// server runs the publish again, and the deposit, reading its task, sees it done.
#[tokio::test]
async fn tessera_deposit_rides_out_a_server_killed_while_it_publishes() {
    let mut server = start(TestServerConfig::default()).await;
    let token = server.user_token("ada@example.org");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("plates");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..5000 {
        std::fs::write(folder.join(format!("plate-{i:04}.txt")), format!("plate {i}\n")).unwrap();
    }
    let metadata_file = dir.path().join("record.json");
    std::fs::write(&metadata_file, metadata("Plates").to_string()).unwrap();
    let deposit = std::process::Command::new(crate::helpers::BIN)
        .args(["deposit", folder.to_str().unwrap(), "-m", metadata_file.to_str().unwrap(), "--publish"])
        .args(["--server", &server.base_url, "--token", &token])
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !server.log().contains("kind=\"publish\"") {
        assert!(started.elapsed() < Duration::from_secs(120), "the deposit never came to publish: {}", server.log());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    server.start_again().await;
    let output = deposit.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(server.log().contains("running again a task a stop interrupted"), "the kill came before the publish ended");

    let api = Api::new(&server, Some(token));
    let (_, mine) = api.get("/api/user/records").await;
    assert_eq!(mine["hits"]["total"], 1, "one record: {mine}");
    let id = mine["hits"]["hits"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), server.url(&format!("/records/{id}")));
    let (_, record) = api.get(&format!("/api/records/{id}")).await;
    assert_eq!(record["files"]["count"], 5000, "{record}");
}
