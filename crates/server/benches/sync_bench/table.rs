//! The figures table: measure, figure, goal, PASS/FAIL (or "info").

#[derive(Default)]
pub struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    /// A figure with a goal: PASS when `met`.
    pub fn goal(&mut self, measure: &str, figure: String, goal: &str, met: bool) {
        let verdict = if met { "PASS" } else { "FAIL" };
        self.push(measure, figure, goal, verdict);
    }

    /// A figure without a goal of its own.
    pub fn info(&mut self, measure: &str, figure: String) {
        self.push(measure, figure, "—", "info");
    }

    /// A measure that could not run, and why.
    pub fn skipped(&mut self, measure: &str, why: &str) {
        self.push(measure, why.to_string(), "—", "skipped");
    }

    fn push(&mut self, measure: &str, figure: String, goal: &str, verdict: &str) {
        println!("  → {measure}: {figure} [{verdict}]");
        self.rows
            .push([measure.into(), figure, goal.into(), verdict.into()]);
    }

    pub fn print(&self) {
        let header = ["measure", "figure", "goal", "result"].map(String::from);
        let width = |i: usize| {
            self.rows
                .iter()
                .chain([&header])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let w = [width(0), width(1), width(2), width(3)];
        let line = |r: &[String; 4]| {
            let cell = |i: usize| {
                let pad = w[i] - r[i].chars().count();
                format!("{}{}", r[i], " ".repeat(pad))
            };
            println!("| {} | {} | {} | {} |", cell(0), cell(1), cell(2), cell(3));
        };
        line(&header);
        println!(
            "|{}|{}|{}|{}|",
            "-".repeat(w[0] + 2),
            "-".repeat(w[1] + 2),
            "-".repeat(w[2] + 2),
            "-".repeat(w[3] + 2)
        );
        for r in &self.rows {
            line(r);
        }
    }
}
