//! Encode throughput of the writer: a 2048×2048 Float32 raster, predictor 3, deflate level 6
//! (GDAL's default) and run-length deflate (rastagg aggregate's default), 256² tiles, written
//! through `write_rows` (tiles compressed in parallel) to a temporary file.
//! Throughput is in uncompressed bytes. For scale, the same file decoded by rastagg-tiff:
//! encoding must keep up with decoding the (factor² larger) input an output comes from.

// criterion 0.7's `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rastagg_raster::SampleType;
use rastagg_writer::{Compression, GeoTiffWriter, Options};

/// A smooth field with noise, like a continuous covariate (temperature, elevation).
fn field(w: usize, h: usize) -> Vec<f32> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..w * h)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let (x, y) = ((i % w) as f32, (i / w) as f32);
            let noise = (state >> 40) as f32 / (1u64 << 24) as f32;
            250.0 + 20.0 * (x / 97.0).sin() * (y / 53.0).cos() + noise
        })
        .collect()
}

fn encode(c: &mut Criterion) {
    let (w, h) = (2048usize, 2048usize);
    let data = field(w, h);
    let dir = std::env::temp_dir().join(format!("rastagg-writer-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench temp dir");
    let path = dir.join("bench.tif");
    let mut group = c.benchmark_group("writer");
    group.sample_size(10);
    group.throughput(Throughput::Bytes((w * h * 4) as u64));
    let codecs = [
        (
            "f32_deflate6_pred3_2048x2048",
            Compression::Deflate { level: 6 },
        ),
        ("f32_deflate_runs_pred3_2048x2048", Compression::DeflateRuns),
    ];
    for (name, compression) in codecs {
        let mut options = Options::new(w as u64, h as u64, SampleType::F32);
        options.compression = compression;
        group.bench_function(name, |b| {
            b.iter(|| {
                let writer = GeoTiffWriter::create(&path, options.clone()).expect("create");
                writer.write_rows(0, &data).expect("write");
                writer.finish().expect("finish");
            })
        });
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "{name}: {size} bytes ({:.3} of raw)",
            size as f64 / (w * h * 4) as f64
        );
    }
    group.bench_function("decode_same_file_rastagg_tiff", |b| {
        b.iter(|| {
            let f = rastagg_tiff::TiffFile::open(&path).expect("open");
            let all = rastagg_raster::Window::new(0, 0, w as u64, h as u64);
            f.read_window::<f32>(0, all).expect("decode")
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, encode);
criterion_main!(benches);
