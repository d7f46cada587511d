//! `tessera-bench`: workloads for Tessera's benchmarks; `bench/run.sh` runs them.

mod generate;
mod load;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Workloads for Tessera's benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write N generated published records straight into a catalogue, then time a full re-index.
    Generate {
        #[arg(long)]
        data_dir: std::path::PathBuf,
        #[arg(long)]
        records: usize,
    },
    /// Deposit one file through the API (declare, upload, commit, publish) and time each step.
    DepositFile {
        #[arg(long)]
        server: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Deposit N small files into one draft, time the publish, then the paged listing and landing page.
    ManyFiles {
        #[arg(long)]
        server: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        files: usize,
    },
    /// Run searches with two facets from concurrent clients and report throughput and latency.
    Search {
        #[arg(long)]
        server: String,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        #[arg(long, default_value_t = 4000)]
        requests: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Generate { data_dir, records } => generate::generate(&data_dir, records).await,
        Command::DepositFile { server, token, file } => load::deposit_file(&server, &token, &file).await,
        Command::ManyFiles { server, token, files } => load::many_files(&server, &token, files).await,
        Command::Search { server, clients, requests } => load::search(&server, clients, requests).await,
    }
}
