//! `tessera harvest`: partner repositories whose records are harvested over OAI-PMH into
//! search. These commands change only the catalogue, so they run beside the server, which
//! does the harvesting as background jobs.

use std::process::ExitCode;

use tessera_app::HarvestRequest;
use tessera_app::domain::authz::Subject;

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum HarvestCommand {
    /// Harvest a repository from now on. Its OAI-PMH base URL is checked first: it must
    /// answer Identify and offer the format. The first harvest starts with the server's next
    /// jobs; later ones ask only for what changed.
    Add {
        /// The repository's OAI-PMH base URL, such as https://data.partner.ac.uk/oai.
        url: String,
        /// Harvest only this set.
        #[arg(long, value_name = "SET")]
        set: Option<String>,
        /// The metadata format: oai_dc or oai_datacite (richer: creators' ORCIDs, affiliations).
        #[arg(long, value_name = "PREFIX", default_value = "oai_dc")]
        prefix: String,
        /// The short name search's origin facet uses (lowercase letters, digits, hyphens);
        /// by default from the URL's host.
        #[arg(long)]
        name: Option<String>,
    },
    /// List the harvested repositories: records, last complete harvest, next run, last error.
    List,
    /// Harvest a repository at the server's next look at its jobs, not at its usual time.
    Run {
        name: String,
        /// List every record, not only what changed, and remove the records the repository no
        /// longer lists (done daily by itself for repositories that keep no deleted records,
        /// and for harvested sets).
        #[arg(long)]
        full: bool,
    },
    /// Stop harvesting a repository and take its records out of search.
    Remove { name: String },
}

pub(crate) async fn run(command: HarvestCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let tessera = super::open(config).await?;
    let operator = Subject::operator();
    match command {
        HarvestCommand::Add { url, set, prefix, name } => {
            let source = tessera.add_harvest(&operator, HarvestRequest { base_url: url, set, metadata_prefix: prefix, name }).await?;
            println!("{}\t{}\t{}", source.name, source.repository_name, source.base_url);
            eprintln!("The server harvests it with its next jobs (every jobs.interval_seconds).");
        }
        HarvestCommand::List => {
            println!("name\trepository\tbase URL\tset\tformat\trecords\tlast complete harvest\tnext run\tlast error");
            for s in tessera.harvest_sources(&operator).await? {
                let row = &s.source;
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    row.name,
                    row.repository_name,
                    row.base_url,
                    row.set_spec,
                    row.metadata_prefix,
                    s.records,
                    row.last_finished.as_deref().unwrap_or("never"),
                    s.next_run.as_deref().unwrap_or("-"),
                    s.last_error.as_deref().unwrap_or("-"),
                );
            }
        }
        HarvestCommand::Run { name, full } => {
            tessera.run_harvest_soon(&operator, &name, full).await?;
            eprintln!("{name} is harvested with the server's next jobs.");
        }
        HarvestCommand::Remove { name } => {
            let removed = tessera.remove_harvest(&operator, &name).await?;
            eprintln!("{name} removed with its {removed} records; the server takes them out of search with its next jobs.");
        }
    }
    tessera.catalog().close().await;
    Ok(ExitCode::SUCCESS)
}
