//! The catalogue contract: one body of tests, run on SQLite and on PostgreSQL.

mod contract;
