//! The XLSX writer alone, on synthetic rows shaped like the line export (14 columns:
//! ids as text, two dates, a weight, short texts, a boolean). Prints the time, the file
//! size and the peak memory. `bench/xlsx_openpyxl.py` writes the same rows with
//! openpyxl's write-only mode, for comparison.
//!
//!     cargo run --release -p server --example xlsx_bench -- 1000000
use std::time::Instant;

use app::weight::Weight;
use chrono::{Duration, TimeZone, Utc};
use server::export::xlsx::XlsxWriter;
use server::export::Cell;
use server::reception::export::LINE_COLUMNS;

fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .map_or(0, |kb| kb / 1024)
}

fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let start = Instant::now();
    let mut w = XlsxWriter::new(dir.path())?;
    w.start_sheet("Lignes", &LINE_COLUMNS)?;
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
    let ids: Vec<String> = (0..64).map(|i| format!("0b5c3a4e-{i:04x}-4000-8000-{:012x}", i * 7919)).collect();
    let notes = ["Bon état", "À réparer", "=HYPERLINK(\"x\")", ""];
    for i in 0..n {
        let at = t0 + Duration::seconds(i as i64 * 30);
        let cells = [
            Cell::code(&ids[(i / 8 % 64) as usize]),
            Cell::Instant(at),
            Cell::code("closed"),
            Cell::code(&ids[(i / 200 % 64) as usize]),
            Cell::Bool(i % 50 == 0),
            Cell::user("Bénévole 07"),
            Cell::code(&ids[(i % 64) as usize]),
            Cell::Instant(at + Duration::seconds(5)),
            Cell::user("Petit électroménager"),
            Cell::user("Électroménager (DEEE)"),
            Cell::Weight(Weight::from_grams((i as i64 * 7919) % 50_000 + 1)),
            Cell::code("revente"),
            Cell::Bool(i % 9 == 0),
            match notes[(i % 4) as usize] {
                "" => Cell::Empty,
                t => Cell::user(t),
            },
        ];
        w.row(&cells)?;
    }
    let written = Instant::now();
    let mut out = tempfile::tempfile_in(dir.path())?;
    w.finish(&mut out)?;
    let size = out.metadata()?.len();
    println!(
        "rows {n}  rows written {:.2} s  workbook saved {:.2} s  total {:.2} s  file {:.1} MB  peak RSS {} MB",
        (written - start).as_secs_f64(),
        written.elapsed().as_secs_f64(),
        start.elapsed().as_secs_f64(),
        size as f64 / 1e6,
        peak_rss_mb()
    );
    Ok(())
}
