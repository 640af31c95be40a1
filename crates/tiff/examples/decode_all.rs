//! Decodes every pixel of band 0 of a GeoTIFF and prints the time taken, to compare the
//! reader's speed with `gdalinfo -checksum`.
//!
//! Usage: `cargo run --release -p rastagg-tiff --example decode_all -- FILE [THREADS]`

use rastagg_tiff::{SampleType, TiffFile, Window};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: decode_all FILE [THREADS]")?;
    let threads: usize = args.next().map_or(Ok(0), |t| t.parse())?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let start = Instant::now();
    let file = TiffFile::open(&path)?;
    let info = file.info();
    // Row bands of whole block rows, as the aggregation pipeline reads them.
    let band_rows = info
        .block_height
        .max(256 / info.block_height.max(1) * info.block_height);
    let (mut sum, mut y) = (0f64, 0u64);
    while y < info.height {
        let rows = band_rows.min(info.height - y);
        let w = Window::new(0, y, info.width, rows);
        sum += if info.sample_type == SampleType::F32 {
            let v = file.read_window::<f32>(0, w)?;
            v.iter()
                .filter(|x| x.is_finite())
                .map(|&x| f64::from(x))
                .sum::<f64>()
        } else {
            file.read_window_f64(0, w)?
                .iter()
                .filter(|x| x.is_finite())
                .sum::<f64>()
        };
        y += rows;
    }
    println!(
        "{path}: {}x{} {} decoded in {:.3} s (sum {sum})",
        info.width,
        info.height,
        info.sample_type,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
