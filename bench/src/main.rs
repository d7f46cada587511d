//! `tessera-bench`: workloads for Tessera's benchmarks; `bench/run.sh` runs them.

mod audit;
mod dataset;
mod generate;
mod load;
mod oai;
mod reindex;
mod retention;

use clap::{Args, Parser, Subcommand};

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
    ManyFiles(FilesLoad),
    /// A dataset of N files: one zip unpacked on the server, published, new versions changing
    /// ten files each, the paged file list, one file, and all of them as a streamed zip.
    LargeDataset {
        #[command(flatten)]
        load: FilesLoad,
        /// How many new versions to publish, one after another.
        #[arg(long, default_value_t = 1)]
        versions: usize,
        /// Then delete every file of the first version and time it: a deletion request and its
        /// approval, so the token's holder must be able to approve (a platform administrator).
        #[arg(long)]
        delete_first: bool,
    },
    /// Ask a running server to rebuild its search index, publishing records until the new index
    /// takes over; each must be found as soon as its publish answers, and after.
    ReindexLive {
        #[arg(long)]
        server: String,
        /// A platform administrator's token that may also deposit.
        #[arg(long)]
        token: String,
    },
    /// Time each digest implementation over a file held in memory.
    HashSpeed {
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Append N audit entries to a new catalogue in batches, then time verifying the chain.
    Audit {
        #[arg(long)]
        data_dir: std::path::PathBuf,
        #[arg(long)]
        entries: usize,
    },
    /// Write N records (three files each) and two retention schedules into a new catalogue,
    /// then time the retention sweep's scan for due files.
    Retention {
        #[arg(long)]
        data_dir: std::path::PathBuf,
        #[arg(long)]
        records: usize,
    },
    /// Harvest every record over OAI-PMH from a running server; with changes, revise and take
    /// down a share of the records in its catalogue after the first page, then check the harvest.
    OaiHarvest {
        #[arg(long)]
        server: String,
        /// The server's data folder, whose catalogue the changes are written to.
        #[arg(long)]
        data_dir: std::path::PathBuf,
        #[arg(long, default_value_t = 0)]
        change_percent: u32,
        #[arg(long, default_value_t = 0)]
        delete_percent: u32,
    },
    /// Time each kind of page, in English and Welsh, one request after another; with an
    /// account, the pages of someone signed in too, with an organization's dashboard.
    Pages {
        #[arg(long)]
        server: String,
        /// EMAIL:PASSWORD of an account to sign in with.
        #[arg(long, env = "TESSERA_BENCH_ACCOUNT")]
        account: Option<String>,
        /// The organization whose dashboard and audit trail to open.
        #[arg(long)]
        org: Option<String>,
    },
    /// Run searches with two facets from concurrent clients and report throughput and latency.
    Search {
        #[arg(long)]
        server: String,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        #[arg(long, default_value_t = 4000)]
        requests: usize,
        /// The server is datasette serving the same records (see bench/peers.sh).
        #[arg(long)]
        datasette: bool,
    },
}

/// A workload of N files deposited on a running server.
#[derive(Args)]
struct FilesLoad {
    #[arg(long)]
    server: String,
    #[arg(long)]
    token: String,
    #[arg(long)]
    files: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Generate { data_dir, records } => generate::generate(&data_dir, records).await,
        Command::DepositFile { server, token, file } => load::deposit_file(&server, &token, &file).await,
        Command::ManyFiles(FilesLoad { server, token, files }) => load::many_files(&server, &token, files).await,
        Command::LargeDataset { load: FilesLoad { server, token, files }, versions, delete_first } => {
            dataset::large_dataset(&server, &token, files, versions, delete_first).await
        }
        Command::Search { server, clients, requests, datasette } => load::search(&server, clients, requests, datasette).await,
        Command::Pages { server, account, org } => load::pages(&server, account.as_deref(), org.as_deref()).await,
        Command::ReindexLive { server, token } => reindex::reindex_live(&server, &token).await,
        Command::HashSpeed { file } => hash_speed(&file),
        Command::Audit { data_dir, entries } => audit::audit(&data_dir, entries).await,
        Command::Retention { data_dir, records } => retention::retention(&data_dir, records).await,
        Command::OaiHarvest { server, data_dir, change_percent, delete_percent } => {
            oai::harvest(&server, &data_dir, change_percent, delete_percent).await
        }
    }
}

fn hash_speed(file: &std::path::Path) -> anyhow::Result<()> {
    use md5::Digest as _;
    let data = std::fs::read(file)?;
    let mib = data.len() as f64 / (1024.0 * 1024.0);
    let time = |name: &str, work: &dyn Fn()| {
        let started = std::time::Instant::now();
        work();
        let seconds = started.elapsed().as_secs_f64();
        println!("{name}: {seconds:.2} s = {:.0} MiB/s", mib / seconds);
    };
    time("sha512 (openssl, used)", &|| {
        let mut hasher = openssl::sha::Sha512::new();
        hasher.update(&data);
        std::hint::black_box(hasher.finish());
    });
    time("sha512 (ring)", &|| {
        std::hint::black_box(ring::digest::digest(&ring::digest::SHA512, &data));
    });
    time("sha512 (sha2)", &|| {
        std::hint::black_box(sha2::Sha512::digest(&data));
    });
    time("md5 (openssl, used)", &|| {
        let mut hasher = tessera_storage::Md5::default();
        hasher.update(&data);
        std::hint::black_box(hasher.finish_hex());
    });
    time("md5 (md-5)", &|| {
        std::hint::black_box(md5::Md5::digest(&data));
    });
    Ok(())
}
