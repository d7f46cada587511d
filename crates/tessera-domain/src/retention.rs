//! Retention: how long a record's files are kept, and when they are due for deletion.
//!
//! A record may set its own date (`access.retention.delete_files_on`); otherwise the most
//! specific schedule that matches the file's data class and the record's organization
//! decides, counting its years from the record's publication or from the project's end.
//! Everything here is pure, so the rules are tested without a catalogue or a clock.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

use crate::access::DataClass;
use crate::ids::OrgId;

/// A record's own retention settings, in its `access` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// When the project that produced the data ended (YYYY-MM-DD); schedules counted from
    /// the project's end count from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_end: Option<String>,
    /// A date set for this record alone (YYYY-MM-DD), which overrides every schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_files_on: Option<String>,
    /// Why the record keeps its files for the time it does, for the tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Retention {
    pub fn is_unset(&self) -> bool {
        self == &Self::default()
    }

    /// Every malformed date, as (field, message) pairs.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        for (field, value) in
            [("access.retention.project_end", &self.project_end), ("access.retention.delete_files_on", &self.delete_files_on)]
        {
            if let Some(value) = value
                && parse_date(value).is_none()
            {
                problems.push((field, format!("'{value}' is not a date (YYYY-MM-DD)")));
            }
        }
        problems
    }
}

/// What a schedule counts its years from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    /// The day the record was published.
    #[default]
    Publication,
    /// The record's `access.retention.project_end`; a record without one is never due.
    ProjectEnd,
}

impl Anchor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publication => "publication",
            Self::ProjectEnd => "project-end",
        }
    }
}

impl FromStr for Anchor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Publication, Self::ProjectEnd]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a retention anchor (publication, project-end)"))
    }
}

/// What happens to the files when their time is up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum EndAction {
    /// Purge the files' bytes from storage; the metadata stays, with a tombstone.
    #[default]
    DeleteFiles,
    /// Keep the files; list them for the stewards to decide.
    Review,
}

impl EndAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeleteFiles => "delete-files",
            Self::Review => "review",
        }
    }
}

impl FromStr for EndAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::DeleteFiles, Self::Review]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a retention action (delete-files, review)"))
    }
}

impl fmt::Display for EndAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A retention rule for a data class, an organization, both, or the whole platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub id: i64,
    /// None: every organization's records.
    pub organization: Option<OrgId>,
    /// None: files of every class.
    pub data_class: Option<DataClass>,
    pub years: u16,
    pub after: Anchor,
    pub action: EndAction,
}

impl Schedule {
    fn matches(&self, organization: Option<&OrgId>, class: DataClass) -> bool {
        self.organization.as_ref().is_none_or(|org| Some(org) == organization) && self.data_class.is_none_or(|c| c == class)
    }

    /// A rule naming an organization and a class is more specific than one naming either.
    fn specificity(&self) -> u8 {
        u8::from(self.organization.is_some()) * 2 + u8::from(self.data_class.is_some())
    }
}

/// Why a file is due when it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The record's own `delete_files_on`.
    Record,
    /// The schedule with this id.
    Schedule(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub on: Date,
    pub action: EndAction,
    pub basis: Basis,
}

/// When a file of `class` in a record of `organization`, published on `published`, is due.
/// None when nothing limits how long it is kept.
pub fn due(retention: &Retention, organization: Option<&OrgId>, class: DataClass, published: Date, schedules: &[Schedule]) -> Option<Due> {
    if let Some(on) = retention.delete_files_on.as_deref().and_then(parse_date) {
        return Some(Due { on, action: EndAction::DeleteFiles, basis: Basis::Record });
    }
    let matching = schedules.iter().filter(|s| s.matches(organization, class));
    let most_specific = matching.clone().map(Schedule::specificity).max()?;
    // Of equally specific rules the one that keeps the files longest wins: deleting early
    // cannot be undone, keeping longer can.
    matching
        .filter(|s| s.specificity() == most_specific)
        .filter_map(|s| {
            let start = match s.after {
                Anchor::Publication => published,
                Anchor::ProjectEnd => parse_date(retention.project_end.as_deref()?)?,
            };
            Some(Due { on: add_years(start, s.years), action: s.action, basis: Basis::Schedule(s.id) })
        })
        .max_by_key(|d| (d.on, d.action == EndAction::Review))
}

/// `YYYY-MM-DD`, or None.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]")).unwrap_or_default()
}

/// The same day `years` later; 29 February becomes 28 February in a common year.
pub fn add_years(date: Date, years: u16) -> Date {
    let year = date.year() + i32::from(years);
    date.replace_year(year).or_else(|_| Date::from_calendar_date(year, date.month(), 28)).unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    fn schedule(id: i64, org: Option<&str>, class: Option<DataClass>, years: u16, after: Anchor) -> Schedule {
        Schedule { id, organization: org.map(|o| OrgId(o.into())), data_class: class, years, after, action: EndAction::DeleteFiles }
    }

    #[test]
    fn the_most_specific_schedule_decides() {
        let schedules = [
            schedule(1, None, None, 20, Anchor::Publication),
            schedule(2, None, Some(DataClass::Restricted), 10, Anchor::Publication),
            schedule(3, Some("trust"), None, 8, Anchor::Publication),
            schedule(4, Some("trust"), Some(DataClass::Restricted), 5, Anchor::ProjectEnd),
        ];
        let trust = OrgId("trust".into());
        let uni = OrgId("uni".into());
        let retention = Retention { project_end: Some("2025-06-30".into()), ..Retention::default() };
        let published = date("2024-02-29");
        let on = |org: Option<&OrgId>, class| due(&retention, org, class, published, &schedules).map(|d| (format_date(d.on), d.basis));
        assert_eq!(on(Some(&trust), DataClass::Restricted), Some(("2030-06-30".into(), Basis::Schedule(4))));
        assert_eq!(on(Some(&trust), DataClass::Public), Some(("2032-02-29".into(), Basis::Schedule(3))));
        assert_eq!(on(Some(&uni), DataClass::Restricted), Some(("2034-02-28".into(), Basis::Schedule(2))));
        assert_eq!(on(None, DataClass::Public), Some(("2044-02-29".into(), Basis::Schedule(1))));
        assert_eq!(due(&retention, None, DataClass::Public, published, &[]), None, "no schedule, no end");
    }

    #[test]
    fn a_record_date_overrides_and_a_missing_project_end_keeps_the_files() {
        let schedules = [schedule(1, None, None, 5, Anchor::ProjectEnd)];
        let published = date("2024-01-01");
        assert_eq!(due(&Retention::default(), None, DataClass::Public, published, &schedules), None);
        let own = Retention { delete_files_on: Some("2026-01-31".into()), ..Retention::default() };
        assert_eq!(
            due(&own, None, DataClass::Public, published, &schedules),
            Some(Due { on: date("2026-01-31"), action: EndAction::DeleteFiles, basis: Basis::Record })
        );
    }

    #[test]
    fn of_equal_rules_the_longest_keeps() {
        let mut review = schedule(2, None, None, 5, Anchor::Publication);
        review.action = EndAction::Review;
        let schedules = [schedule(1, None, None, 5, Anchor::Publication), review, schedule(3, None, None, 3, Anchor::Publication)];
        let found = due(&Retention::default(), None, DataClass::Public, date("2020-05-01"), &schedules).unwrap();
        assert_eq!((format_date(found.on), found.action), ("2025-05-01".into(), EndAction::Review), "review is the safer of a tie");
    }

    #[test]
    fn bad_dates_are_named() {
        let retention = Retention { project_end: Some("2025-13-01".into()), delete_files_on: Some("soon".into()), reason: None };
        let fields: Vec<_> = retention.problems().into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["access.retention.project_end", "access.retention.delete_files_on"]);
    }
}
