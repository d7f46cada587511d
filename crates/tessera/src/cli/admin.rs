//! `tessera admin`: accounts and API tokens on a local installation.

use std::process::ExitCode;

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum AdminCommand {
    /// Create an account.
    CreateUser {
        email: String,
        /// Make the account a platform administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Create an API token for an account and print it (only the token, on standard output).
    CreateToken { email: String },
}

pub(crate) async fn run(command: AdminCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let tessera = super::open(config).await?;
    match command {
        AdminCommand::CreateUser { email, admin } => {
            let user = tessera.create_user(&email, admin).await?;
            eprintln!("created user {} ({}){}", user.id, user.email, if user.is_admin { " as an administrator" } else { "" });
        }
        AdminCommand::CreateToken { email } => {
            let token = tessera.create_token(&email).await?;
            println!("{token}");
        }
    }
    tessera.catalog().close().await;
    Ok(ExitCode::SUCCESS)
}
