//! `tessera serve`: the HTTP server, until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use anyhow::Context;
use tessera_web::{AppState, WebConfig};

use crate::config::Config;

pub(crate) async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let _lock = super::lock_installation(&config)?;
    let tessera = super::open(&config).await?;
    tessera.recover().await.context("recovering after the last stop")?;
    let state = AppState::new(
        tessera.clone(),
        WebConfig {
            public_url: config.public_url.clone(),
            max_json_bytes: config.max_json_bytes,
            repository_name: config.repository_name.clone(),
            admin_email: config.admin_email.clone(),
        },
    );
    let listener = tokio::net::TcpListener::bind(config.bind).await.with_context(|| format!("listening on {}", config.bind))?;
    // Without TCP_NODELAY a small answer written in two parts (the headers, then a file's
    // bytes) waits for the client's delayed ACK: 40 ms for each download on a kept-alive
    // connection.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY on a connection");
        }
    });
    tracing::info!(address = %config.bind, data_dir = %config.data_dir().display(), "Tessera is listening");
    let jobs = tokio::spawn(run_jobs(tessera.clone(), config.jobs_interval));
    let app = tessera_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("serving HTTP")?;
    jobs.abort();
    tessera.finish_tasks().await;
    if let Err(err) = tessera.flush_downloads().await {
        tracing::error!(error = %err, "writing download counts");
    }
    // The trail's newest entries are covered by a checkpoint before the server goes.
    if let Err(err) = tessera.checkpoint_audit().await {
        tracing::error!(error = %err, "checkpointing the audit trail");
    }
    tessera.catalog().close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Runs due background jobs now and then every `interval` (and removes expired uploads and
/// tasks that ended a week ago), frees staged content no draft file names once an hour, and
/// runs the retention sweep once a day, until the server stops. A job interrupted by the stop
/// stays in the table and runs after the next start; an interrupted sweep runs again.
async fn run_jobs(tessera: tessera_app::Tessera, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut swept: Option<time::Date> = None;
    let mut staging_swept: Option<std::time::Instant> = None;
    loop {
        ticks.tick().await;
        if let Err(err) = tessera.run_due_jobs().await {
            tracing::error!(error = %err, "running background jobs");
        }
        if let Err(err) = tessera.expire_uploads().await {
            tracing::error!(error = %err, "removing expired uploads");
        }
        if let Err(err) = tessera.forget_ended_tasks().await {
            tracing::error!(error = %err, "forgetting tasks that ended a week ago");
        }
        if staging_swept.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(3600)) {
            match tessera.sweep_staging().await {
                Ok(freed) => {
                    staging_swept = Some(std::time::Instant::now());
                    if freed > 0 {
                        tracing::info!(bytes = freed, "freed staged content that no draft file names");
                    }
                }
                Err(err) => tracing::error!(error = %err, "sweeping the staging area"),
            }
        }
        if let Err(err) = tessera.flush_downloads().await {
            tracing::error!(error = %err, "writing download counts");
        }
        let today = time::OffsetDateTime::now_utc().date();
        if swept != Some(today) {
            match tessera.enforce_retention(today).await {
                Ok(run) => {
                    swept = Some(today);
                    if run.deleted.len() + run.held.len() + run.failed.len() > 0 {
                        tracing::info!(deleted = run.deleted.len(), held = run.held.len(), failed = run.failed.len(), "retention sweep");
                    }
                }
                Err(err) => tracing::error!(error = %err, "running the retention sweep"),
            }
        }
        if let Err(err) = tessera.checkpoint_audit().await {
            tracing::error!(error = %err, "checkpointing the audit trail");
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C; requests in flight are finished first.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
