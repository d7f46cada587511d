//! Bar charts drawn on the server as SVG, each with the same figures in a table beside it for
//! screen readers and for copying; no script draws anything.

use super::i18n::Tr;

/// Height of a column chart's drawing area, and a row chart's bar length, in SVG units.
const SPAN: i64 = 160;
/// Room for labels under columns, or before rows.
const LABEL_ROOM: i64 = 24;
const ROW_LABEL_ROOM: i64 = 170;
/// A column chart's width, shared by its columns, and the widest a column is drawn.
const COLUMNS_WIDTH: i64 = 480;
const COLUMN_MAX: i64 = 48;

/// One bar: its rectangle, where its label and value go, and its row in the table.
pub(super) struct Bar {
    pub(super) x: i64,
    pub(super) y: i64,
    pub(super) width: i64,
    pub(super) height: i64,
    /// The label on the axis (short), and where it is written.
    pub(super) label: String,
    pub(super) label_x: i64,
    pub(super) label_y: i64,
    /// The value as shown, and where it is written.
    pub(super) value: String,
    pub(super) value_x: i64,
    pub(super) value_y: i64,
    /// The row's name in the table (whole).
    pub(super) name: String,
    /// Drawn in the accent colour: the reader's own organization.
    pub(super) marked: bool,
}

pub(super) struct Chart {
    /// Unique on its page, for the caption the drawing is labelled by.
    pub(super) id: &'static str,
    pub(super) title: String,
    /// What the table's columns hold.
    pub(super) name_heading: String,
    pub(super) value_heading: String,
    pub(super) width: i64,
    pub(super) height: i64,
    /// `start` for rows, `middle` for columns.
    pub(super) anchor: &'static str,
    pub(super) bars: Vec<Bar>,
    /// A baseline from (x1, y1) to (x2, y2).
    pub(super) axis: (i64, i64, i64, i64),
}

/// One bar's figures: its short label, its name in the table, its value, how the value is
/// shown, and whether it is marked.
pub(super) struct Figure {
    pub(super) label: String,
    pub(super) name: String,
    pub(super) value: i64,
    pub(super) shown: String,
    pub(super) marked: bool,
}

impl Figure {
    pub(super) fn count(label: impl Into<String>, name: impl Into<String>, value: i64) -> Self {
        Self { label: label.into(), name: name.into(), value, shown: value.to_string(), marked: false }
    }
}

fn scaled(value: i64, max: i64) -> i64 {
    if max <= 0 { 0 } else { (value.max(0) as f64 / max as f64 * SPAN as f64).round() as i64 }
}

/// Upright bars side by side, as for months.
pub(super) fn columns(id: &'static str, title: String, headings: (String, String), figures: Vec<Figure>) -> Chart {
    let max = figures.iter().map(|f| f.value).max().unwrap_or(0);
    let top = 16; // room for the tallest bar's value
    let base = top + SPAN;
    let slot = COLUMNS_WIDTH / (figures.len() as i64).max(1);
    let width = (slot - 12).min(COLUMN_MAX);
    let bars = figures
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let middle = i as i64 * slot + slot / 2;
            let height = scaled(f.value, max);
            Bar {
                x: middle - width / 2,
                y: base - height,
                width,
                height,
                label: f.label,
                label_x: middle,
                label_y: base + 16,
                value: f.shown,
                value_x: middle,
                value_y: base - height - 4,
                name: f.name,
                marked: f.marked,
            }
        })
        .collect::<Vec<_>>();
    Chart {
        id,
        title,
        name_heading: headings.0,
        value_heading: headings.1,
        width: COLUMNS_WIDTH,
        height: base + LABEL_ROOM,
        anchor: "middle",
        bars,
        axis: (0, base, COLUMNS_WIDTH, base),
    }
}

/// Bars lying one under another, with their names before them, as for organizations.
pub(super) fn rows(id: &'static str, title: String, headings: (String, String), figures: Vec<Figure>) -> Chart {
    let max = figures.iter().map(|f| f.value).max().unwrap_or(0);
    let row = 28;
    let bars = figures
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let y = i as i64 * row;
            let length = scaled(f.value, max);
            let label: String =
                if f.label.chars().count() > 22 { f.label.chars().take(21).chain(['…']).collect() } else { f.label.clone() };
            Bar {
                x: ROW_LABEL_ROOM,
                y: y + 4,
                width: length,
                height: row - 8,
                label,
                label_x: 0,
                label_y: y + row / 2 + 5,
                value: f.shown,
                value_x: ROW_LABEL_ROOM + length + 6,
                value_y: y + row / 2 + 5,
                name: f.name,
                marked: f.marked,
            }
        })
        .collect::<Vec<_>>();
    let height = (bars.len() as i64 * row).max(row);
    Chart {
        id,
        title,
        name_heading: headings.0,
        value_heading: headings.1,
        // Room after the longest bar for its value.
        width: ROW_LABEL_ROOM + SPAN + 90,
        height,
        anchor: "start",
        bars,
        axis: (ROW_LABEL_ROOM, 0, ROW_LABEL_ROOM, height),
    }
}

/// The headings of a chart's table: what each row is, and what is counted.
pub(super) fn headings(t: &Tr, name: &str, value: &str) -> (String, String) {
    (t.t(name), t.t(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest() {
        let figures = vec![Figure::count("a", "A", 0), Figure::count("b", "B", 5), Figure::count("c", "C", 10)];
        let chart = columns("c", "t".into(), ("n".into(), "v".into()), figures);
        let heights: Vec<i64> = chart.bars.iter().map(|b| b.height).collect();
        assert_eq!(heights, [0, SPAN / 2, SPAN]);
        // Every bar stands on the baseline.
        assert!(chart.bars.iter().all(|b| b.y + b.height == chart.axis.1));
        let chart = rows("r", "t".into(), ("n".into(), "v".into()), vec![Figure::count("a long name of an organization", "x", 3)]);
        assert_eq!(chart.bars[0].width, SPAN);
        assert_eq!(chart.bars[0].label.chars().count(), 22);
        // Nothing to draw is no bar at all, not a division by zero.
        let empty = columns("e", "t".into(), ("n".into(), "v".into()), vec![Figure::count("a", "A", 0)]);
        assert_eq!(empty.bars[0].height, 0);
    }
}
