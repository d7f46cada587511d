//! The REST API, InvenioRDM-compatible, one module per resource.

pub(crate) mod access;
pub(crate) mod audit;
pub(crate) mod communities;
pub(crate) mod compliance;
pub(crate) mod draft_files;
pub(crate) mod drafts;
pub(crate) mod export;
pub(crate) mod identity;
pub(crate) mod incidents;
pub(crate) mod people;
pub(crate) mod policies;
pub(crate) mod record_files;
pub(crate) mod records;
pub(crate) mod retention;
pub(crate) mod search;
pub(crate) mod search_index;
pub(crate) mod tasks;
pub(crate) mod uploads;
pub(crate) mod vocabularies;
pub(crate) mod zenodo;
