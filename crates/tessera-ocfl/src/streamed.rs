//! A store for tests that reads like an object store: it hides the local files of the
//! store it wraps, so whatever has a path for local files and a stream for the rest is tested
//! both ways.

use tessera_storage::{LocalStore, Store};

/// A local store that hides its files, so content is streamed as from an object store.
pub(crate) struct Streamed(pub(crate) LocalStore);

#[async_trait::async_trait]
impl Store for Streamed {
    async fn put_file(&self, key: &str, src: &std::path::Path) -> tessera_storage::Result<()> {
        self.0.put_file(key, src).await
    }
    async fn put_bytes(&self, key: &str, bytes: bytes::Bytes) -> tessera_storage::Result<()> {
        self.0.put_bytes(key, bytes).await
    }
    async fn get_bytes(&self, key: &str) -> tessera_storage::Result<bytes::Bytes> {
        self.0.get_bytes(key).await
    }
    async fn get_stream(&self, key: &str, range: Option<std::ops::Range<u64>>) -> tessera_storage::Result<tessera_storage::ByteStream> {
        self.0.get_stream(key, range).await
    }
    async fn size(&self, key: &str) -> tessera_storage::Result<Option<u64>> {
        self.0.size(key).await
    }
    async fn list(&self, prefix: &str) -> tessera_storage::Result<Vec<String>> {
        self.0.list(prefix).await
    }
    async fn list_dirs(&self, prefix: &str) -> tessera_storage::Result<Vec<String>> {
        self.0.list_dirs(prefix).await
    }
    async fn delete(&self, key: &str) -> tessera_storage::Result<()> {
        self.0.delete(key).await
    }
    async fn delete_prefix(&self, prefix: &str) -> tessera_storage::Result<()> {
        self.0.delete_prefix(prefix).await
    }
}
