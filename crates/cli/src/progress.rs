//! How far an import is: a bar on a terminal, a plain line at every tenth otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar when stderr is a terminal; otherwise a plain line at every tenth.
pub(crate) enum Progress {
    Bar(ProgressBar),
    Lines { total: u64, unit: &'static str, last_tenth: Mutex<u64> },
}

impl Progress {
    pub(crate) fn new(total: u64, unit: &'static str) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)"))
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            Progress::Bar(bar)
        } else {
            Progress::Lines { total, unit, last_tenth: Mutex::new(0) }
        }
    }

    pub(crate) fn set(&self, done: u64) {
        match self {
            Progress::Bar(bar) => bar.set_position(done),
            Progress::Lines { total, unit, last_tenth } => {
                let tenth = if *total == 0 { 10 } else { done * 10 / total };
                let mut last = last_tenth.lock().unwrap_or_else(|e| e.into_inner());
                if tenth > *last {
                    *last = tenth;
                    eprintln!("import: {done}/{total} {unit}");
                }
            }
        }
    }

    pub(crate) fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
