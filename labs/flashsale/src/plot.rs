//! `--compare --plot out.svg`: the comparison as a chart, two panels side by side: orders per
//! second and p99 latency for each strategy, the naive bar marked with what it oversold.
//! `--sweep-workers 16,32,64 --plot out.svg`: the same two figures against the number of
//! workers, the curve of a hot row as concurrency grows.

use std::path::Path;

use plotters::prelude::*;

/// One strategy's figures.
pub struct Bar {
    pub strategy: String,
    pub orders_per_second: f64,
    pub p99_ms: f64,
    pub oversold: u64,
}

/// Writes the chart to `path` (an SVG file), through a temporary file beside it.
pub fn write(path: &Path, bars: &[Bar]) -> anyhow::Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let (left, right) = root.split_horizontally(480);
        panel(&left, "orders per second", bars, |bar| {
            bar.orders_per_second
        })?;
        panel(&right, "p99 latency (ms)", bars, |bar| bar.p99_ms)?;
        root.present()?;
    }
    save(path, svg)
}

/// One concurrency's figures in a sweep.
pub struct Point {
    pub workers: usize,
    pub orders_per_second: f64,
    pub p99_ms: f64,
}

/// Writes the sweep's chart to `path`: orders per second and p99 against workers.
pub fn write_sweep(path: &Path, title: &str, points: &[Point]) -> anyhow::Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, ("sans-serif", 18))?;
        let (left, right) = root.split_horizontally(480);
        curve(&left, "orders per second", points, |point| {
            point.orders_per_second
        })?;
        curve(&right, "p99 latency (ms)", points, |point| point.p99_ms)?;
        root.present()?;
    }
    save(path, svg)
}

fn curve<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    points: &[Point],
    value: impl Fn(&Point) -> f64,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let highest = points.iter().map(&value).fold(0.0_f64, f64::max).max(1.0) * 1.15;
    let widest = points.iter().map(|point| point.workers).max().unwrap_or(1) as f64 * 1.05;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..widest, 0.0..highest)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    chart
        .configure_mesh()
        .x_desc("workers")
        .draw()
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let line: Vec<(f64, f64)> = points
        .iter()
        .map(|point| (point.workers as f64, value(point)))
        .collect();
    chart
        .draw_series(LineSeries::new(line.clone(), BLUE.stroke_width(2)))
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    chart
        .draw_series(
            line.iter()
                .map(|point| Circle::new(*point, 4, BLUE.filled())),
        )
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    Ok(())
}

/// Writes `svg` to `path` through a temporary file beside it: never a half-written chart.
fn save(path: &Path, svg: String) -> anyhow::Result<()> {
    let temporary = path.with_extension("svg.partial");
    std::fs::write(&temporary, svg)
        .map_err(|error| anyhow::anyhow!("--plot {}: {error}", path.display()))?;
    std::fs::rename(&temporary, path)
        .map_err(|error| anyhow::anyhow!("--plot {}: {error}", path.display()))?;
    Ok(())
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    bars: &[Bar],
    value: impl Fn(&Bar) -> f64,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let highest = bars.iter().map(&value).fold(0.0_f64, f64::max).max(1.0) * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d((0..bars.len()).into_segmented(), 0.0..highest)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&|segment| match segment {
            SegmentValue::CenterOf(index) => bars
                .get(*index)
                .map_or(String::new(), |bar| bar.strategy.clone()),
            _ => String::new(),
        })
        .draw()
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(index, bar)| {
            let colour = if bar.oversold > 0 { RED } else { BLUE };
            let mut rectangle = Rectangle::new(
                [
                    (SegmentValue::Exact(index), 0.0),
                    (SegmentValue::Exact(index + 1), value(bar)),
                ],
                colour.mix(0.6).filled(),
            );
            rectangle.set_margin(0, 0, 12, 12);
            rectangle
        }))
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    chart
        .draw_series(
            bars.iter()
                .enumerate()
                .filter(|(_, bar)| bar.oversold > 0)
                .map(|(index, bar)| {
                    Text::new(
                        format!("{} oversold", bar.oversold),
                        (SegmentValue::CenterOf(index), value(bar) + highest * 0.03),
                        ("sans-serif", 14).into_font().color(&RED),
                    )
                }),
        )
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    Ok(())
}
