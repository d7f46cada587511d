//! `tessera admin`: accounts, organizations and API tokens on a local installation. Whoever
//! can run it holds the data folder, so it acts as a platform administrator.

use std::process::ExitCode;

use tessera_app::TokenRequest;
use tessera_app::domain::{DataClass, OrgId, Role, Scopes, Subject};

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum AdminCommand {
    /// Create an account.
    CreateUser {
        email: String,
        /// The person's name, as others will see it.
        #[arg(long)]
        name: Option<String>,
        /// Make the account a platform administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Create an API token for an account and print it (only the token, on standard output).
    CreateToken {
        email: String,
        /// What the token may do, comma- or space-separated: read, deposit, steward, admin.
        #[arg(long, default_value = "read,deposit", value_parser = parse_scopes)]
        scopes: Scopes,
        /// When it stops working: a date (2027-06-30, end of day UTC) or an RFC 3339 time.
        #[arg(long)]
        expires: Option<String>,
        /// A label to recognise it by.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Set an account's password for signing in on the web, read from standard input (one
    /// line, at least 12 characters). The account's sessions end.
    SetPassword { email: String },
    /// Add a member institution.
    CreateOrg {
        /// A short lowercase id such as `cardiff-uni`; records name their organization by it.
        id: String,
        name: String,
        /// The organization's ROR id.
        #[arg(long)]
        ror: Option<String>,
    },
    /// Create a community: a collection ORG's curators keep, offered as an OAI-PMH set.
    CreateCommunity {
        /// A short lowercase id such as `welsh-rivers`.
        id: String,
        title: String,
        /// The organization whose curators decide what is in it.
        #[arg(long)]
        organization: String,
    },
    /// Give a person a role in an organization: depositor, curator, steward or admin.
    AddMember { org: String, email: String, role: String },
    /// Let ORG trust PARTNER for a data class (partner, restricted or enclave): requests from
    /// PARTNER's members for ORG's datasets of that class are granted at once.
    Trust { org: String, partner: String, data_class: String },
    /// List organizations, or one organization's members.
    ListOrgs {
        /// Show this organization's members.
        org: Option<String>,
    },
}

fn parse_scopes(text: &str) -> Result<Scopes, String> {
    Scopes::parse(text)
}

pub(crate) async fn run(command: AdminCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let tessera = super::open(config).await?;
    let operator = Subject::operator();
    match command {
        AdminCommand::CreateUser { email, name, admin } => {
            let user = tessera.create_user(&operator, &email, name.as_deref(), admin).await?;
            eprintln!("created user {} ({}){}", user.id, user.email, if user.is_admin { " as an administrator" } else { "" });
        }
        AdminCommand::CreateToken { email, scopes, expires, name } => {
            let made = tessera.create_token_for(&operator, &email, TokenRequest { name, scopes: Some(scopes), expires }).await?;
            let until = made.token.expires.as_deref().map(|e| format!(", until {e}")).unwrap_or_default();
            eprintln!("created token {} for {email} ({}{until})", made.token.id, made.token.scopes.to_text());
            println!("{}", made.secret);
        }
        AdminCommand::SetPassword { email } => {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                eprint!("new password for {email} (shown as you type; pipe it in to hide it): ");
            }
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            tessera.set_password(&operator, &email, line.trim_end_matches(['\r', '\n'])).await?;
            eprintln!("password set for {email}");
        }
        AdminCommand::CreateOrg { id, name, ror } => {
            let org = tessera.create_organization(&operator, &id, &name, ror.as_deref()).await?;
            eprintln!("created organization {} ({})", org.id, org.name);
        }
        AdminCommand::CreateCommunity { id, title, organization } => {
            let org = OrgId::parse(&organization).map_err(anyhow::Error::msg)?;
            let community = tessera.create_community(&operator, &id, &title, &org).await?;
            eprintln!("created community {} ({}), curated by {}", community.id, community.title, community.organization);
        }
        AdminCommand::AddMember { org, email, role } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let org = OrgId::parse(&org).map_err(anyhow::Error::msg)?;
            let member = tessera.add_member(&operator, &org, &email, role).await?;
            eprintln!("{} is now {} in {}", member.email, member.role, member.org);
        }
        AdminCommand::Trust { org, partner, data_class } => {
            let (org, partner) = (OrgId::parse(&org).map_err(anyhow::Error::msg)?, OrgId::parse(&partner).map_err(anyhow::Error::msg)?);
            let class: DataClass = data_class.parse().map_err(anyhow::Error::msg)?;
            tessera.add_trust(&operator, &org, &partner, class).await?;
            eprintln!("{org} now trusts {partner} for {class} data");
        }
        AdminCommand::ListOrgs { org: None } => {
            for org in tessera.organizations().await? {
                println!("{}\t{}\t{}", org.id, org.name, org.ror.unwrap_or_default());
            }
        }
        AdminCommand::ListOrgs { org: Some(org) } => {
            let org = OrgId::parse(&org).map_err(anyhow::Error::msg)?;
            for member in tessera.members(&operator, &org).await? {
                println!("{}\t{}\t{}", member.user, member.email, member.role);
            }
        }
    }
    tessera.catalog().close().await;
    Ok(ExitCode::SUCCESS)
}
