#![doc = include_str!("../README.md")]

mod digest;
mod direct;
mod error;
mod local;
mod store;

pub use digest::{DigestBytes, Digests, HashState, HashingWriter, Md5, Sha512, hex, sha256_hex};
pub use error::Error;
pub use local::{LocalStore, list_blocking, list_dirs_blocking, sync_dir, sync_filesystem};
pub use store::{ByteStream, Store, WriteFn, check_key};

pub type Result<T, E = Error> = std::result::Result<T, E>;
